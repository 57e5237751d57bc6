/*
 * Cleanups registered from Python: at child exit, and the shared way of
 * calling one (request cleanups use it too).
 */
#include "cleanups.h"
#include "interp.h"

static apr_pool_t *child_pool;

typedef struct {
    const char *interp_name;
    server_rec *server;
    PyObject *callable;
    PyObject *data;
} child_cleanup;

void mp_cleanup_init(apr_pool_t *pchild)
{
    child_pool = pchild;
}

static const char *utf8_or(PyObject *obj, const char *fallback)
{
    const char *s = obj ? PyUnicode_AsUTF8(obj) : NULL;

    if (!s) {
        PyErr_Clear();
    }
    return s ? s : fallback;
}

void mp_cleanup_call(request_rec *r, server_rec *s, PyObject *callable,
                     PyObject *data)
{
    PyObject *result = PyObject_CallOneArg(callable, data);
    PyObject *type, *value, *tb, *what, *tname, *vtext;

    if (result) {
        Py_DECREF(result);
        return;
    }
    /* Two lines and no traceback, as the original (PH-err-cleanup). */
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    what = PyObject_Str(callable);
    tname = type ? PyObject_Str(type) : NULL;
    vtext = value ? PyObject_Str(value) : NULL;
    if (r) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MP_LOGNO(0020)
                      "python_cleanup: Error calling cleanup object %s",
                      utf8_or(what, "?"));
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MP_LOGNO(0021)
                      "    %s: %s", utf8_or(tname, "?"),
                      utf8_or(vtext, "?"));
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, MP_LOGNO(0020)
                     "python_cleanup: Error calling cleanup object %s",
                     utf8_or(what, "?"));
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, MP_LOGNO(0021)
                     "    %s: %s", utf8_or(tname, "?"),
                     utf8_or(vtext, "?"));
    }
    Py_XDECREF(what);
    Py_XDECREF(tname);
    Py_XDECREF(vtext);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
}

static apr_status_t run_child_cleanup(void *arg)
{
    child_cleanup *c = arg;
    mp_interp *interp = mp_interp_acquire(c->interp_name, c->server);

    if (!interp) {
        return APR_SUCCESS;
    }
    mp_cleanup_call(NULL, c->server, c->callable, c->data);
    Py_CLEAR(c->callable);
    Py_CLEAR(c->data);
    mp_interp_release(interp);
    return APR_SUCCESS;
}

int mp_cleanup_register_child(const char *interp_name, server_rec *s,
                              PyObject *callable, PyObject *data)
{
    child_cleanup *c;

    if (!child_pool) {
        PyErr_SetString(PyExc_RuntimeError, "no child process pool");
        return -1;
    }
    c = apr_palloc(child_pool, sizeof(*c));
    c->interp_name = apr_pstrdup(child_pool, interp_name);
    c->server = s;
    c->callable = Py_NewRef(callable);
    c->data = Py_NewRef(data);
    apr_pool_cleanup_register(child_pool, c, run_child_cleanup,
                              apr_pool_cleanup_null);
    return 0;
}
