/*
 * A module other than mod_python using its optional functions
 * (PH-start-optfn): "SetHandler interp-optfn" answers with what it sees
 * through them in the interpreter named by the query string.
 */
#include <Python.h>
#include "mod_python_api.h"
#include "http_config.h"
#include "http_protocol.h"
#include "apr_strings.h"

static APR_OPTIONAL_FN_TYPE(mp_acquire_interpreter) *acquire;
static APR_OPTIONAL_FN_TYPE(mp_release_interpreter) *release;
static APR_OPTIONAL_FN_TYPE(mp_get_request_object) *get_request;
static APR_OPTIONAL_FN_TYPE(mp_get_server_object) *get_server;
static APR_OPTIONAL_FN_TYPE(mp_get_connection_object) *get_connection;

static void retrieve(void)
{
    acquire = APR_RETRIEVE_OPTIONAL_FN(mp_acquire_interpreter);
    release = APR_RETRIEVE_OPTIONAL_FN(mp_release_interpreter);
    get_request = APR_RETRIEVE_OPTIONAL_FN(mp_get_request_object);
    get_server = APR_RETRIEVE_OPTIONAL_FN(mp_get_server_object);
    get_connection = APR_RETRIEVE_OPTIONAL_FN(mp_get_connection_object);
}

/* str(getattr(obj, name)) copied into the pool, or "?" */
static const char *attr(apr_pool_t *p, PyObject *obj, const char *name)
{
    PyObject *value = obj ? PyObject_GetAttrString(obj, name) : NULL;
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *s = text ? PyUnicode_AsUTF8(text) : NULL;
    const char *copy = apr_pstrdup(p, s ? s : "?");

    PyErr_Clear();
    Py_XDECREF(text);
    Py_XDECREF(value);
    return copy;
}

static int handler(request_rec *r)
{
    PyObject *req, *srv, *conn;
    const char *line;

    if (!r->handler || strcmp(r->handler, "interp-optfn")) {
        return DECLINED;
    }
    ap_set_content_type(r, "text/plain");
    if (!acquire || !release || !get_request || !get_server
        || !get_connection) {
        ap_rputs("no optional functions\n", r);
        return OK;
    }
    if (!acquire(r->args)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    req = get_request(r);
    srv = get_server(r->server);
    conn = get_connection(r->connection);
    line = apr_psprintf(r->pool, "interpreter=%s uri=%s mark=%s server=%s "
                        "conn=%s\n", attr(r->pool, req, "interpreter"),
                        attr(r->pool, req, "uri"),
                        attr(r->pool, req, "interp_optfn_mark"),
                        attr(r->pool, srv, "server_hostname"),
                        conn ? Py_TYPE(conn)->tp_name : "?");
    Py_XDECREF(req);
    Py_XDECREF(srv);
    Py_XDECREF(conn);
    release();
    ap_rputs(line, r);
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_optional_fn_retrieve(retrieve, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA interp_optfn_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, register_hooks
};
