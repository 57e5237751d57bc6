/*
 * Logging of Python errors from C.
 */
#include "log.h"
#include "interp.h"
#include "util.h"

static void log_line(request_rec *r, server_rec *s, int level,
                     const char *line)
{
    if (r) {
        ap_log_rerror(APLOG_MARK, level, 0, r, "%s", line);
    }
    else {
        ap_log_error(APLOG_MARK, level, 0, s, "%s", line);
    }
}

/* Log each line of the formatted traceback of (type, value, tb). */
static int log_traceback(request_rec *r, server_rec *s, int level,
                         PyObject *type, PyObject *value, PyObject *tb)
{
    PyObject *traceback = PyImport_ImportModule("traceback");
    PyObject *lines = NULL;
    Py_ssize_t i, n;

    if (traceback) {
        lines = PyObject_CallMethod(traceback, "format_exception", "OOO",
                                    type, value ? value : Py_None,
                                    tb ? tb : Py_None);
        Py_DECREF(traceback);
    }
    if (!lines) {
        PyErr_Clear();
        return -1;
    }
    n = PyList_Size(lines);
    for (i = 0; i < n; i++) {
        const char *text = PyUnicode_AsUTF8(PyList_GET_ITEM(lines, i));
        char *copy, *nl, *line;

        if (!text) {
            PyErr_Clear();
            continue;
        }
        /* One entry may hold several lines; log each on its own. */
        copy = strdup(text);
        for (line = copy; line && *line; line = nl) {
            nl = strchr(line, '\n');
            if (nl) {
                *nl++ = '\0';
            }
            log_line(r, s, level, line);
        }
        free(copy);
    }
    Py_DECREF(lines);
    return 0;
}

void mp_log_python_error(request_rec *r, server_rec *s, int level,
                         const char *heading)
{
    PyObject *type, *value, *tb;

    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    log_line(r, s, level, heading);
    if (type && log_traceback(r, s, level, type, value, tb) < 0) {
        log_line(r, s, level, "(the traceback could not be formatted)");
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

PyObject *mp_log_message(request_rec *r, conn_rec *c, server_rec *s,
                         PyObject *message, int level)
{
    PyObject *bytes;
    const char *text;

    if (message == Py_None) {
        Py_RETURN_NONE;
    }
    if (!(bytes = mp_str_arg_bytes(message))) {
        return NULL;
    }
    text = PyBytes_AS_STRING(bytes);
    if (!level) {
        level = APLOG_ERR;
    }
    MP_BLOCKING_BEGIN
    if (r) {
        ap_log_rerror(APLOG_MARK, level, 0, r, "%s", text);
    }
    else if (c) {
        ap_log_cerror(APLOG_MARK, level, 0, c, "%s", text);
    }
    else {
        ap_log_error(APLOG_MARK, level, 0, s, "%s", text);
    }
    MP_BLOCKING_END
    Py_DECREF(bytes);
    Py_RETURN_NONE;
}
