/*
 * The built-in module _apache (apache-module.md 5): module-level
 * functions, constants, and the home of every mod_python type.
 */
#include "_apachemodule.h"
#include <sys/stat.h>
#include <errno.h>
#include "requestobject.h"
#include "tableobject.h"
#include "connobject.h"
#include "serverobject.h"
#include "hlistobject.h"
#include "finfoobject.h"
#include "mutex.h"
#include "filterobject.h"
#include "cleanups.h"
#include "interp.h"
#include "util.h"
#include "log.h"

static PyModuleDef apache_module_def;

mp_module_state *mp_module_state_of(PyTypeObject *type)
{
    PyObject *module = PyType_GetModuleByDef(type, &apache_module_def);

    return module ? PyModule_GetState(module) : NULL;
}

int mp_wrapper_gone(PyObject *wrapper)
{
    if (((mp_wrapper *)wrapper)->rec) {
        return 0;
    }
    PyErr_Format(PyExc_RuntimeError, "%s object used after its request or "
                 "connection was over", Py_TYPE(wrapper)->tp_name);
    return 1;
}

static mp_module_state *state_of_module(PyObject *module)
{
    return PyModule_GetState(module);
}

/* ------------------------------------------------------------------ */

static PyObject *mp_log_error(PyObject *module, PyObject *args)
{
    mp_module_state *st = state_of_module(module);
    PyObject *message, *server = Py_None;
    int level = 0;

    if (!PyArg_ParseTuple(args, "O|iO:log_error", &message, &level,
                          &server)) {
        return NULL;
    }
    if (server != Py_None && !PyObject_TypeCheck(server, st->server_type)) {
        PyErr_SetString(PyExc_TypeError,
                        "log_error: third argument must be a server object");
        return NULL;
    }
    return mp_log_message(NULL, NULL, server == Py_None ? NULL
                          : ((mp_wrapper *)server)->rec, message, level);
}

static PyObject *mp_mpm_query(PyObject *module, PyObject *arg)
{
    int code, result = 0;

    if (!PyLong_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "The argument must be an integer");
        return NULL;
    }
    code = (int)PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred()) {
        return NULL;
    }
    ap_mpm_query(code, &result);
    return PyLong_FromLong(result);
}

static PyObject *mp_exists_config_define(PyObject *module, PyObject *arg)
{
    const char *name = mp_str_arg(arg);

    if (!name) {
        return NULL;
    }
    return PyBool_FromLong(ap_exists_config_define(name));
}

static PyObject *mp_server_root(PyObject *module, PyObject *unused)
{
    return mp_str_out(ap_server_root);
}

/* One level of the configuration tree (APA-config_tree). */
static PyObject *config_level(const ap_directive_t *d)
{
    PyObject *list = PyList_New(0);

    for (; list && d; d = d->next) {
        PyObject *t = Py_BuildValue("(NN)", mp_str_out(d->directive),
                                    mp_str_out(d->args));

        if (!t || PyList_Append(list, t) < 0) {
            Py_XDECREF(t);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(t);
        if (d->first_child) {
            PyObject *children = config_level(d->first_child);

            if (!children || PyList_Append(list, children) < 0) {
                Py_XDECREF(children);
                Py_CLEAR(list);
                break;
            }
            Py_DECREF(children);
        }
    }
    return list;
}

static PyObject *mp_config_tree(PyObject *module, PyObject *unused)
{
    return config_level(ap_conftree);
}

static PyObject *mp_register_cleanup(PyObject *module, PyObject *args)
{
    mp_module_state *st = state_of_module(module);
    const char *interp;
    PyObject *server, *callable, *data = Py_None;

    if (!PyArg_ParseTuple(args, "sOO|O:register_cleanup", &interp, &server,
                          &callable, &data)) {
        return NULL;
    }
    if (!PyObject_TypeCheck(server, st->server_type)) {
        PyErr_SetString(PyExc_ValueError,
                        "second argument must be a server object");
        return NULL;
    }
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_ValueError,
                        "third argument must be a callable object");
        return NULL;
    }
    if (mp_cleanup_register_child(interp, ((mp_wrapper *)server)->rec,
                                  callable, data) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------
 * parse_qs / parse_qsl (APC-parse_qs)
 */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = apr_tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) in place; malformed escapes stay as written.  A
 * decoded NUL is kept as a character (UTIL-qs-unescape: never truncate
 * silently).  Returns the new length. */
static apr_size_t unescape(char *s, apr_size_t n)
{
    apr_size_t i, j;

    for (i = j = 0; i < n; i++, j++) {
        int hi, lo;

        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0
            && (lo = hexval(s[i + 2])) >= 0) {
            s[j] = (char)(hi * 16 + lo);
            i += 2;
        }
        else {
            s[j] = s[i];
        }
    }
    return j;
}

static PyObject *qs_piece(const char *s, apr_size_t n, int as_bytes)
{
    return as_bytes ? PyBytes_FromStringAndSize(s, n) : mp_str_out_len(s, n);
}

/* Call `emit(key, value, ctx)` for each pair; -1 on error. */
static int parse_query(PyObject *qs, int keep_blank,
                       int (*emit)(PyObject *, PyObject *, void *),
                       void *ctx)
{
    int as_bytes = PyBytes_Check(qs);
    apr_pool_t *p;
    PyObject *raw;
    char *text, *piece, *end;
    int rc = 0;

    if (as_bytes) {
        raw = Py_NewRef(qs);
    }
    else if (PyUnicode_Check(qs)) {
        /* Characters are bytes here (UTIL-qs-types); surrogateescape
         * gives back the bytes mp_str_out smuggled in.  A NUL is an
         * ordinary character, so no C-string conversion. */
        raw = PyUnicode_AsEncodedString(qs, "latin-1", "surrogateescape");
        if (!raw) {
            if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                PyErr_SetString(PyExc_TypeError,
                                "not an ISO-8859-1 string");
            }
            return -1;
        }
    }
    else {
        PyErr_SetString(PyExc_TypeError, "query string must be str or "
                        "bytes");
        return -1;
    }
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        Py_DECREF(raw);
        PyErr_NoMemory();
        return -1;
    }
    text = apr_pstrmemdup(p, PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw));
    end = text + PyBytes_GET_SIZE(raw);
    Py_DECREF(raw);
    for (piece = text; rc == 0 && piece < end; ) {
        char *stop = piece, *eq, *c;
        apr_size_t klen, vlen;
        PyObject *k, *v;

        while (stop < end && *stop != '&' && *stop != ';') {
            stop++;
        }
        if (stop == piece) {
            piece = stop + 1;           /* empty piece */
            continue;
        }
        for (c = piece; c < stop; c++) {
            if (*c == '+') {
                *c = ' ';
            }
        }
        eq = memchr(piece, '=', stop - piece);
        klen = eq ? (apr_size_t)(eq - piece) : (apr_size_t)(stop - piece);
        vlen = eq ? (apr_size_t)(stop - eq - 1) : 0;
        if (vlen == 0 && !keep_blank) {
            piece = stop + 1;
            continue;
        }
        /* Decode key and value separately: an escaped '=' or '&' never
         * moves text between them. */
        klen = unescape(piece, klen);
        vlen = eq ? unescape(eq + 1, vlen) : 0;
        k = qs_piece(piece, klen, as_bytes);
        v = k ? qs_piece(eq ? eq + 1 : "", vlen, as_bytes) : NULL;
        rc = v ? emit(k, v, ctx) : -1;
        Py_XDECREF(k);
        Py_XDECREF(v);
        piece = stop + 1;
    }
    apr_pool_destroy(p);
    return rc;
}

static int emit_pair(PyObject *k, PyObject *v, void *ctx)
{
    PyObject *pair = PyTuple_Pack(2, k, v);
    int rc = pair ? PyList_Append(ctx, pair) : -1;

    Py_XDECREF(pair);
    return rc;
}

static int emit_dict(PyObject *k, PyObject *v, void *ctx)
{
    PyObject *list = PyDict_GetItemWithError(ctx, k);

    if (!list) {
        int rc;

        if (PyErr_Occurred() || !(list = PyList_New(0))) {
            return -1;
        }
        rc = PyDict_SetItem(ctx, k, list);
        Py_DECREF(list);
        if (rc < 0) {
            return -1;
        }
    }
    return PyList_Append(list, v);
}

static PyObject *mp_parse_qsl(PyObject *module, PyObject *args)
{
    PyObject *qs, *result;
    int keep_blank = 0, strict = 0;

    if (!PyArg_ParseTuple(args, "O|ii:parse_qsl", &qs, &keep_blank,
                          &strict)) {
        return NULL;
    }
    if (!(result = PyList_New(0))) {
        return NULL;
    }
    if (parse_query(qs, keep_blank, emit_pair, result) < 0) {
        Py_DECREF(result);
        return NULL;
    }
    return result;
}

/*
 * _mtime_ns(path) -> st_mtime_ns of a regular file, or None when there
 * is no such file or it is something else: what the page caches of the
 * publisher and PSP compare on every request.  The GIL is kept: a
 * stat of a local file is a microsecond, while letting the GIL go hands
 * it to another thread, a context switch each way under a threaded MPM.
 */
static PyObject *mp_mtime_ns(PyObject *module, PyObject *arg)
{
    PyObject *bytes;
    struct stat st;
    int rc;

    if (!PyUnicode_FSConverter(arg, &bytes)) {
        return NULL;
    }
    rc = stat(PyBytes_AS_STRING(bytes), &st);
    Py_DECREF(bytes);
    if (rc < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            Py_RETURN_NONE;
        }
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, arg);
    }
    if (!S_ISREG(st.st_mode)) {
        Py_RETURN_NONE;
    }
    return PyLong_FromLongLong((long long)st.st_mtim.tv_sec * 1000000000LL
                               + st.st_mtim.tv_nsec);
}

static PyObject *mp_parse_qs(PyObject *module, PyObject *args)
{
    PyObject *qs, *result;
    int keep_blank = 0, strict = 0;

    if (!PyArg_ParseTuple(args, "O|ii:parse_qs", &qs, &keep_blank,
                          &strict)) {
        return NULL;
    }
    if (!(result = PyDict_New())) {
        return NULL;
    }
    if (parse_query(qs, keep_blank, emit_dict, result) < 0) {
        Py_DECREF(result);
        return NULL;
    }
    return result;
}

/* ------------------------------------------------------------------ */

static PyMethodDef apache_functions[] = {
    {"log_error", mp_log_error, METH_VARARGS,
     "log_error(message[, level[, server]])"},
    {"mpm_query", mp_mpm_query, METH_O, "mpm_query(code) -> int"},
    {"exists_config_define", mp_exists_config_define, METH_O,
     "exists_config_define(name) -> bool"},
    {"server_root", mp_server_root, METH_NOARGS, "The ServerRoot."},
    {"config_tree", mp_config_tree, METH_NOARGS,
     "The parsed main configuration."},
    {"register_cleanup", mp_register_cleanup, METH_VARARGS,
     "register_cleanup(interpreter, server, callable[, data])"},
    {"parse_qs", mp_parse_qs, METH_VARARGS,
     "parse_qs(qs[, keep_blank_values[, strict_parsing]]) -> dict"},
    {"parse_qsl", mp_parse_qsl, METH_VARARGS,
     "parse_qsl(qs[, keep_blank_values[, strict_parsing]]) -> list"},
    {"_mtime_ns", mp_mtime_ns, METH_O,
     "_mtime_ns(path) -> st_mtime_ns of a regular file, else None."},
    {"stat", mp_finfo_stat, METH_VARARGS,
     "stat(fname, wanted) -> mp_finfo"},
    {"_global_lock", mp_mutex_py_lock, METH_VARARGS,
     "_global_lock(server, key[, index]): wait for a global mutex."},
    {"_global_trylock", mp_mutex_py_trylock, METH_VARARGS,
     "_global_trylock(server, key[, index]) -> bool"},
    {"_global_unlock", mp_mutex_py_unlock, METH_VARARGS,
     "_global_unlock(server, key[, index]): release a global mutex."},
    {NULL}
};

static int add_constants(PyObject *m)
{
    static const struct {
        const char *name;
        long value;
    } constants[] = {
        {"AP_CONN_UNKNOWN", AP_CONN_UNKNOWN},
        {"AP_CONN_CLOSE", AP_CONN_CLOSE},
        {"AP_CONN_KEEPALIVE", AP_CONN_KEEPALIVE},
        {"APR_NOFILE", APR_NOFILE}, {"APR_REG", APR_REG},
        {"APR_DIR", APR_DIR}, {"APR_CHR", APR_CHR}, {"APR_BLK", APR_BLK},
        {"APR_PIPE", APR_PIPE}, {"APR_LNK", APR_LNK},
        {"APR_SOCK", APR_SOCK}, {"APR_UNKFILE", APR_UNKFILE},
        {"MODULE_MAGIC_NUMBER_MAJOR", MODULE_MAGIC_NUMBER_MAJOR},
        {"MODULE_MAGIC_NUMBER_MINOR", MODULE_MAGIC_NUMBER_MINOR},
        {NULL, 0}
    };
    int i;

    for (i = 0; constants[i].name; i++) {
        if (PyModule_AddIntConstant(m, constants[i].name,
                                    constants[i].value) < 0) {
            return -1;
        }
    }
    return PyModule_AddStringConstant(m, "mp_version", MP_VERSION_STRING);
}

static int apache_exec(PyObject *m)
{
    mp_module_state *st = state_of_module(m);

    st->server_return = PyErr_NewException("_apache.SERVER_RETURN", NULL,
                                           NULL);
    if (!st->server_return
        || PyModule_AddObjectRef(m, "SERVER_RETURN", st->server_return) < 0
        || mp_table_type_init(m, st) < 0
        || mp_request_type_init(m, st) < 0
        || mp_conn_type_init(m, st) < 0
        || mp_server_type_init(m, st) < 0
        || mp_hlist_type_init(m, st) < 0
        || mp_finfo_type_init(m, st) < 0
        || mp_filter_type_init(m, st) < 0
        || add_constants(m) < 0) {
        return -1;
    }
    return 0;
}

static int apache_traverse(PyObject *m, visitproc visit, void *arg)
{
    mp_module_state *st = state_of_module(m);

    Py_VISIT(st->request_type);
    Py_VISIT(st->table_type);
    Py_VISIT(st->table_iter_type);
    Py_VISIT(st->conn_type);
    Py_VISIT(st->server_type);
    Py_VISIT(st->filter_type);
    Py_VISIT(st->finfo_type);
    Py_VISIT(st->hlist_type);
    Py_VISIT(st->server_return);
    return 0;
}

static int apache_clear(PyObject *m)
{
    mp_module_state *st = state_of_module(m);

    Py_CLEAR(st->request_type);
    Py_CLEAR(st->table_type);
    Py_CLEAR(st->table_iter_type);
    Py_CLEAR(st->conn_type);
    Py_CLEAR(st->server_type);
    Py_CLEAR(st->filter_type);
    Py_CLEAR(st->finfo_type);
    Py_CLEAR(st->hlist_type);
    Py_CLEAR(st->server_return);
    return 0;
}

static void apache_free(void *m)
{
    apache_clear(m);
}

static PyModuleDef_Slot apache_slots[] = {
    {Py_mod_exec, apache_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED},
#endif
    {0, NULL}
};

static PyModuleDef apache_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_apache",
    .m_doc = "The part of mod_python written in C.",
    .m_size = sizeof(mp_module_state),
    .m_methods = apache_functions,
    .m_slots = apache_slots,
    .m_traverse = apache_traverse,
    .m_clear = apache_clear,
    .m_free = apache_free,
};

PyMODINIT_FUNC PyInit__apache(void)
{
    return PyModuleDef_Init(&apache_module_def);
}
