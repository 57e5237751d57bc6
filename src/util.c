/*
 * String conversion between httpd and Python (see util.h for the rule).
 */
#include "util.h"

PyObject *mp_str_out_len(const char *s, apr_size_t len)
{
    return PyUnicode_DecodeUTF8(s, len, "surrogateescape");
}

PyObject *mp_str_out(const char *s)
{
    if (!s) {
        Py_RETURN_NONE;
    }
    return mp_str_out_len(s, strlen(s));
}

PyObject *mp_latin1_out(const char *s)
{
    if (!s) {
        Py_RETURN_NONE;
    }
    return PyUnicode_DecodeLatin1(s, strlen(s), NULL);
}

char *mp_str_in(apr_pool_t *p, PyObject *obj)
{
    char *out;

    if (PyBytes_Check(obj)) {
        Py_ssize_t n = PyBytes_GET_SIZE(obj);
        const char *s = PyBytes_AS_STRING(obj);

        if ((Py_ssize_t)strlen(s) != n) {
            PyErr_SetString(PyExc_ValueError, "embedded null byte");
            return NULL;
        }
        return apr_pstrmemdup(p, s, n);
    }
    if (PyUnicode_Check(obj)) {
        Py_ssize_t i, n = PyUnicode_GET_LENGTH(obj);
        int kind = PyUnicode_KIND(obj);
        const void *data = PyUnicode_DATA(obj);

        if (kind == PyUnicode_1BYTE_KIND) {
            /* The common case: every character fits a byte already. */
            if ((Py_ssize_t)strnlen(data, n) != n) {
                PyErr_SetString(PyExc_ValueError, "embedded null character");
                return NULL;
            }
            return apr_pstrmemdup(p, data, n);
        }
        out = apr_palloc(p, n + 1);
        for (i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);

            if (c >= 0xDC80 && c <= 0xDCFF) {
                c -= 0xDC00;    /* a byte smuggled by surrogateescape */
            }
            else if (c > 0xFF) {
                PyErr_SetString(PyExc_TypeError,
                                "not an ISO-8859-1 string");
                return NULL;
            }
            if (c == 0) {
                PyErr_SetString(PyExc_ValueError, "embedded null character");
                return NULL;
            }
            out[i] = (char)c;
        }
        out[n] = '\0';
        return out;
    }
    PyErr_SetString(PyExc_TypeError, "not an ISO-8859-1 string");
    return NULL;
}

char *mp_header_in(apr_pool_t *p, PyObject *obj, const char *what)
{
    char *s = mp_str_in(p, obj);

    if (s && strpbrk(s, "\r\n")) {
        PyErr_Format(PyExc_ValueError, "%s must not contain a line break "
                     "(CR or LF)", what);
        return NULL;
    }
    return s;
}

char *mp_path_in(apr_pool_t *p, PyObject *obj)
{
    PyObject *bytes;
    char *out;

    if (!PyUnicode_Check(obj)) {
        return mp_str_in(p, obj);
    }
    bytes = PyUnicode_AsEncodedString(obj, "utf-8", "surrogateescape");
    if (!bytes) {
        return NULL;
    }
    out = mp_str_in(p, bytes);
    Py_DECREF(bytes);
    return out;
}

int mp_body_data(PyObject *obj, Py_buffer *view)
{
    if (PyUnicode_Check(obj)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(obj, &n);

        if (!s) {
            return -1;
        }
        /* The buffer borrows from the str's cached UTF-8 form. */
        return PyBuffer_FillInfo(view, obj, (void *)s, n, 1,
                                 PyBUF_SIMPLE);
    }
    if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0) {
        PyErr_Format(PyExc_TypeError, "argument must be str or a "
                     "bytes-like object, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    return 0;
}

const char *mp_str_arg(PyObject *obj)
{
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "argument must be str, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return PyUnicode_AsUTF8(obj);
}

PyObject *mp_str_arg_bytes(PyObject *obj)
{
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "argument must be str, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return PyUnicode_AsEncodedString(obj, "utf-8", "surrogateescape");
}

PyObject *mp_str_tuple(const apr_array_header_t *arr)
{
    PyObject *t;
    int i;

    if (!arr) {
        return PyTuple_New(0);
    }
    if (!(t = PyTuple_New(arr->nelts))) {
        return NULL;
    }
    for (i = 0; i < arr->nelts; i++) {
        PyObject *s = mp_str_out(APR_ARRAY_IDX(arr, i, const char *));

        if (!s) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}
