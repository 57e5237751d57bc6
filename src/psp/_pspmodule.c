/* mod_python._psp: the PSP translator as a Python extension (PSP-api-c).
 *
 * A plain CPython extension built for the configured Python, independent
 * of httpd: psp_parser.c does the work with the GIL released, this file
 * converts arguments and errors.  No module state, so the module is safe
 * in every sub-interpreter.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>

#include "psp_parser.h"

/* Turn a finished translation into the code (str) or an exception. */
static PyObject *psp_result_to_python(psp_result *res)
{
    PyObject *path = NULL, *exc = NULL, *code = NULL;

    if (res->status == PSP_OK) {
        /* Pages must be UTF-8 (PSP-parse). */
        code = PyUnicode_DecodeUTF8(res->code, (Py_ssize_t)res->len,
                                    "strict");
        psp_result_free(res);
        return code;
    }
    if (res->path != NULL) {
        path = PyUnicode_DecodeFSDefault(res->path);
        if (path == NULL) {
            psp_result_free(res);
            return NULL;
        }
    }
    switch (res->status) {
    case PSP_ERR_OPEN:
        /* OSError subclass by errno, e.g. FileNotFoundError, naming the
         * path (PSP-include-missing). */
        exc = PyObject_CallFunction(PyExc_OSError, "isO", res->errnum,
                                    strerror(res->errnum),
                                    path ? path : Py_None);
        break;
    case PSP_ERR_NOTFILE:
        exc = PyObject_CallFunction(PyExc_OSError, "isO", EINVAL,
                                    "Not a regular file",
                                    path ? path : Py_None);
        break;
    case PSP_ERR_CYCLE:
        exc = PyObject_CallFunction(PyExc_OSError, "isO", ELOOP,
                                    "PSP include cycle: the file is "
                                    "already being included",
                                    path ? path : Py_None);
        break;
    case PSP_ERR_DEPTH:
        exc = PyObject_CallFunction(PyExc_OSError, "isO", ELOOP,
                                    "PSP includes nested too deeply "
                                    "(limit " Py_STRINGIFY(
                                        PSP_MAX_INCLUDE_DEPTH) ")",
                                    path ? path : Py_None);
        break;
    case PSP_ERR_FILE_TOOBIG:
        exc = PyObject_CallFunction(PyExc_OSError, "isO", EFBIG,
                                    "PSP page and its includes larger "
                                    "than 256 MiB",
                                    path ? path : Py_None);
        break;
    case PSP_ERR_CODE_TOOBIG:
        PyErr_SetString(PyExc_MemoryError,
                        "PSP: the generated code would exceed 256 MiB");
        break;
    case PSP_ERR_NULPATH:
        PyErr_Format(PyExc_ValueError,
                     "PSP include path contains a NUL byte: %R",
                     path ? path : Py_None);
        break;
    default:
        PyErr_NoMemory();
        break;
    }
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    Py_XDECREF(path);
    psp_result_free(res);
    return NULL;
}

PyDoc_STRVAR(psp_parse_doc,
"parse(filename[, dir]) -> str\n\
\n\
Translate the PSP page in the file dir + filename (or filename) into\n\
Python source.  Relative include paths are taken relative to dir if\n\
given, else to the current directory.  The page must be UTF-8.");

static PyObject *psp_parse(PyObject *module, PyObject *const *args,
                           Py_ssize_t nargs)
{
    PyObject *name = NULL, *dir = NULL, *path = NULL;
    psp_result res;

    if (nargs < 1 || nargs > 2) {
        PyErr_Format(PyExc_TypeError,
                     "parse() takes 1 or 2 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!PyUnicode_FSConverter(args[0], &name)) {
        return NULL;
    }
    if (nargs == 2 && args[1] != Py_None) {
        if (!PyUnicode_FSConverter(args[1], &dir)) {
            Py_DECREF(name);
            return NULL;
        }
        /* The page itself is dir + filename, absolute or not. */
        path = PyBytes_FromFormat("%s%s", PyBytes_AS_STRING(dir),
                                  PyBytes_AS_STRING(name));
    }
    else {
        Py_INCREF(name);
        path = name;
    }
    if (path == NULL) {
        Py_DECREF(name);
        Py_XDECREF(dir);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    psp_translate_file(PyBytes_AS_STRING(path),
                       dir ? PyBytes_AS_STRING(dir) : NULL, &res);
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    Py_DECREF(name);
    Py_XDECREF(dir);
    return psp_result_to_python(&res);
}

PyDoc_STRVAR(psp_parsestring_doc,
"parsestring(src) -> str\n\
\n\
Translate PSP source given as str (encoded as UTF-8) or bytes into\n\
Python source.  Include paths are relative to the current directory.");

static PyObject *psp_parsestring(PyObject *module, PyObject *src)
{
    const char *data;
    Py_ssize_t len;
    psp_result res;

    /* The original took only bytes on Python 3; str is what callers
     * have (PSP-parsestring-py3). */
    if (PyUnicode_Check(src)) {
        data = PyUnicode_AsUTF8AndSize(src, &len);
        if (data == NULL) {
            return NULL;
        }
    }
    else if (PyBytes_Check(src)) {
        data = PyBytes_AS_STRING(src);
        len = PyBytes_GET_SIZE(src);
    }
    else {
        PyErr_Format(PyExc_TypeError,
                     "parsestring() argument must be str or bytes, not %.100s",
                     Py_TYPE(src)->tp_name);
        return NULL;
    }
    /* src is immutable and the caller holds it: its buffer stays put
     * while the GIL is released. */
    Py_BEGIN_ALLOW_THREADS
    psp_translate_string(data, (size_t)len, NULL, &res);
    Py_END_ALLOW_THREADS
    return psp_result_to_python(&res);
}

static PyMethodDef psp_methods[] = {
    {"parse", (PyCFunction)(void (*)(void))psp_parse, METH_FASTCALL,
     psp_parse_doc},
    {"parsestring", psp_parsestring, METH_O, psp_parsestring_doc},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot psp_slots[] = {
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

PyDoc_STRVAR(psp_module_doc,
"The PSP translator: Python Server Pages to Python source.");

static struct PyModuleDef psp_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mod_python._psp",
    .m_doc = psp_module_doc,
    .m_size = 0,
    .m_methods = psp_methods,
    .m_slots = psp_slots,
};

PyMODINIT_FUNC PyInit__psp(void)
{
    return PyModuleDef_Init(&psp_module);
}
