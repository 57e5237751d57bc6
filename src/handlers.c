/*
 * Phase dispatch: every request hook runs its Python handler list through
 * run_phase(); the request object is made on first use and finished when
 * the request pool goes away.
 */
#include "handlers.h"
#include "config.h"
#include "interp.h"
#include "log.h"
#include "requestobject.h"
#include "connobject.h"
#include "serverobject.h"
#include "hlistobject.h"
#include "cleanups.h"
#include "util.h"
#include "filters.h"

/* The request object of a request in one interpreter. */
typedef struct {
    mp_interp *interp;
    PyObject *req;
} mp_req_object;

/* Per-request state, in r->request_config. */
typedef struct {
    apr_array_header_t *objects;    /* of mp_req_object */
    apr_hash_t *dynamic;            /* phase -> array of mp_handler */
    const char *running_phase;      /* the phase being dispatched */
    apr_array_header_t *running;    /* and its working list */
    /* req.register_*_filter(): name -> mp_handler, made on first use */
    apr_hash_t *input_filters;
    apr_hash_t *output_filters;
} mp_req_conf;

/* The phases req.add_handler() accepts (PH-dyn-phases). */
static const char *const dynamic_phases[] = {
    "PythonPostReadRequestHandler", "PythonTransHandler",
    "PythonHeaderParserHandler", "PythonInitHandler",
    "PythonAccessHandler", "PythonAuthenHandler", "PythonAuthzHandler",
    "PythonTypeHandler", "PythonFixupHandler", "PythonHandler",
    "PythonLogHandler", NULL
};

static mp_req_conf *req_conf(request_rec *r, int create)
{
    mp_req_conf *rc = ap_get_module_config(r->request_config,
                                           &python_module);

    if (!rc && create) {
        rc = apr_pcalloc(r->pool, sizeof(*rc));
        rc->objects = apr_array_make(r->pool, 1, sizeof(mp_req_object));
        rc->dynamic = apr_hash_make(r->pool);
        ap_set_module_config(r->request_config, &python_module, rc);
    }
    return rc;
}

/* ------------------------------------------------------------------
 * Interpreter names (PH-interp-select)
 */

static const char *interpreter_name(request_rec *r, const char *directory)
{
    mp_dir_conf *conf = mp_config_dir(r);
    const char *name = apr_table_get(conf->directives, "PythonInterpreter");
    const char *flag;

    if (name) {
        return name;
    }
    flag = apr_table_get(conf->directives, "PythonInterpPerDirectory");
    if (flag && !strcmp(flag, "1")) {
        const char *slash;

        if (!r->filename) {
            return MP_MAIN_INTERPRETER;
        }
        if (r->finfo.filetype == APR_DIR) {
            size_t n = strlen(r->filename);

            return (n && r->filename[n - 1] == '/') ? r->filename
                   : apr_pstrcat(r->pool, r->filename, "/", NULL);
        }
        slash = strrchr(r->filename, '/');
        return slash ? apr_pstrmemdup(r->pool, r->filename,
                                      slash - r->filename + 1)
                     : MP_MAIN_INTERPRETER;
    }
    flag = apr_table_get(conf->directives, "PythonInterpPerDirective");
    if (flag && !strcmp(flag, "1")) {
        return directory ? directory : MP_MAIN_INTERPRETER;
    }
    return mp_config_default_interpreter(r->server);
}

const char *mp_handlers_interpreter_name(request_rec *r,
                                         const char *directory)
{
    return interpreter_name(r, directory);
}

/* ------------------------------------------------------------------
 * The request object's life (PH-reqobj-*, PH-clean-*)
 */

static apr_status_t request_cleanup(void *data);

PyObject *mp_handlers_request_object(request_rec *r, mp_module_state *st,
                                     const char *interp_name)
{
    mp_req_conf *rc = req_conf(r, 1);
    mp_interp *interp = mp_interp_current();
    mp_req_object *slot;
    int i;

    for (i = 0; i < rc->objects->nelts; i++) {
        slot = &APR_ARRAY_IDX(rc->objects, i, mp_req_object);
        if (slot->interp == interp) {
            return Py_NewRef(slot->req);
        }
    }
    /* One object per request and interpreter: objects never cross
     * interpreters, whose types differ (PH-reqobj-crossinterp). */
    slot = apr_array_push(rc->objects);
    slot->interp = interp;
    slot->req = mp_request_new(st, r, interp->name);
    if (!slot->req) {
        rc->objects->nelts--;
        return NULL;
    }
    if (rc->objects->nelts == 1) {
        apr_pool_cleanup_register(r->pool, r, request_cleanup,
                                  apr_pool_cleanup_null);
    }
    return Py_NewRef(slot->req);
}

static int run_phase(request_rec *r, const char *phase, int is_cleanup);

/* Run req.register_cleanup() callbacks, last registered first. */
static void run_request_cleanups(request_rec *r, PyObject *req)
{
    RequestObject *o = (RequestObject *)req;
    PyObject *list = o->cleanups;
    Py_ssize_t i;

    if (!list) {
        return;
    }
    Py_INCREF(list);
    for (i = PyList_GET_SIZE(list) - 1; i >= 0; i--) {
        PyObject *entry = PyList_GET_ITEM(list, i);

        mp_cleanup_call(r, r->server, PyTuple_GET_ITEM(entry, 0),
                        PyTuple_GET_ITEM(entry, 1));
    }
    Py_DECREF(list);
}

/* For every request object, in its interpreter: run its
 * req.register_cleanup() callbacks if `callbacks`, then finish and drop
 * it if `finish`. */
static void end_objects(request_rec *r, mp_req_conf *rc, int callbacks,
                        int finish)
{
    int i;

    for (i = 0; i < rc->objects->nelts; i++) {
        mp_req_object *slot = &APR_ARRAY_IDX(rc->objects, i, mp_req_object);
        mp_interp *interp = mp_interp_acquire(slot->interp->name, r->server);

        if (!interp) {
            continue;
        }
        if (callbacks) {
            run_request_cleanups(r, slot->req);
        }
        if (finish) {
            mp_request_finish(slot->req);
            Py_CLEAR(slot->req);
        }
        mp_interp_release(interp);
    }
}

static apr_status_t request_cleanup(void *data)
{
    request_rec *r = data;
    mp_req_conf *rc = req_conf(r, 0);
    const char *ext;

    if (!rc) {
        return APR_SUCCESS;
    }
    if (!mp_config_handlers(r, "PythonCleanupHandler", &ext)) {
        /* The common case: callbacks and the end, one entry per object. */
        end_objects(r, rc, 1, 1);
    }
    else {
        /* Callbacks, then the cleanup handlers, then the end
         * (PH-clean-order); the handlers run only where a Python object
         * exists (PH-clean-reqobj). */
        end_objects(r, rc, 1, 0);
        run_phase(r, "PythonCleanupHandler", 1);
        end_objects(r, rc, 0, 1);
    }
    rc->objects->nelts = 0;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------
 * Dynamic handlers (PH-dyn-*)
 */

int mp_handlers_add_dynamic(request_rec *r, PyObject *req, const char *phase,
                            const char *spec, const char *dir)
{
    mp_req_conf *rc = req_conf(r, 1);
    const char *const *known;
    apr_array_header_t *list;
    mp_handler *h;

    for (known = dynamic_phases; *known && strcmp(*known, phase); known++) {
    }
    if (!*known) {
        PyErr_Format(PyExc_IndexError, "Invalid phase: %s", phase);
        return -1;
    }
    if (rc->running_phase && !strcmp(rc->running_phase, phase)) {
        list = rc->running;     /* runs later in this same phase */
    }
    else if (!(list = apr_hash_get(rc->dynamic, phase,
                                   APR_HASH_KEY_STRING))) {
        list = apr_array_make(r->pool, 1, sizeof(mp_handler));
        apr_hash_set(rc->dynamic, apr_pstrdup(r->pool, phase),
                     APR_HASH_KEY_STRING, list);
    }
    h = apr_array_push(list);
    memset(h, 0, sizeof(*h));
    h->spec = apr_pstrdup(r->pool, spec);
    h->directory = dir ? mp_config_canonical_dir(r->pool, dir) : NULL;
    return 0;
}

/* ------------------------------------------------------------------
 * Filters registered per request (REQ-register_input_filter)
 */

void mp_handlers_register_filter(request_rec *r, const char *name,
                                 const char *spec, const char *dir,
                                 int is_input)
{
    mp_req_conf *rc = req_conf(r, 1);
    apr_hash_t **registry = is_input ? &rc->input_filters
                                     : &rc->output_filters;
    mp_handler *h = apr_pcalloc(r->pool, sizeof(*h));

    if (!*registry) {
        *registry = apr_hash_make(r->pool);
    }
    h->spec = apr_pstrdup(r->pool, spec);
    h->directory = dir ? mp_config_canonical_dir(r->pool, dir) : NULL;
    apr_hash_set(*registry, apr_pstrdup(r->pool, name), APR_HASH_KEY_STRING,
                 h);
}

const mp_handler *mp_handlers_find_filter(request_rec *r, const char *name,
                                          int is_input)
{
    mp_req_conf *rc = req_conf(r, 0);
    apr_hash_t *registry = !rc ? NULL
                           : is_input ? rc->input_filters
                                      : rc->output_filters;

    return registry ? apr_hash_get(registry, name, APR_HASH_KEY_STRING)
                    : NULL;
}

/* ------------------------------------------------------------------
 * Running one phase (PH-disp-*)
 */

/* The working list: configured entries (wildcard directories resolved),
 * then the dynamic ones.  NULL when there is nothing to run. */
static apr_array_header_t *working_list(request_rec *r, const char *phase,
                                        apr_array_header_t *configured)
{
    mp_req_conf *rc = req_conf(r, 0);
    apr_array_header_t *dynamic = rc ? apr_hash_get(rc->dynamic, phase,
                                                    APR_HASH_KEY_STRING)
                                     : NULL;
    apr_array_header_t *list;
    int i, n = (configured ? configured->nelts : 0)
               + (dynamic ? dynamic->nelts : 0);

    if (n == 0) {
        return NULL;
    }
    list = apr_array_make(r->pool, n, sizeof(mp_handler));
    for (i = 0; configured && i < configured->nelts; i++) {
        mp_handler *h = apr_array_push(list);

        *h = APR_ARRAY_IDX(configured, i, mp_handler);
        h->directory = mp_config_resolve_directory(r, h);
        h->dir_regex = NULL;
        h->dir_is_wild = 0;
    }
    if (dynamic) {
        apr_array_cat(list, dynamic);
    }
    return list;
}

/* Check a HandlerDispatch() result; the phase's int result. */
static int phase_result(request_rec *r, const char *phase, PyObject *res)
{
    long v;

    if (!res) {
        mp_log_python_error(r, NULL, APLOG_ERR, apr_psprintf(
            r->pool, MP_LOGNO(0010) "python_handler: (%s) HandlerDispatch() "
            "returned nothing.", phase));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!PyLong_Check(res)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MP_LOGNO(0011)
                      "python_handler: (%s) HandlerDispatch() returned "
                      "non-integer.", phase);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    v = PyLong_AsLong(res);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return (int)v;
}

/* After a handler that succeeded: whether Python may still be called
 * for `r` through `req` (its cleanups, a Python filter, a log or cleanup
 * handler).  Other interpreters' objects are not `req`'s business. */
static int python_runs_later(request_rec *r, RequestObject *req)
{
    static const char *const later[] = {
        "PythonLogHandler", "PythonCleanupHandler", NULL
    };
    const char *const *phase;
    const char *ext;

    if (req->cleanups || mp_filter_in_chain(r)) {
        return 1;
    }
    for (phase = later; *phase; phase++) {
        if (working_list(r, *phase, mp_config_handlers(r, *phase, &ext))) {
            return 1;
        }
    }
    return 0;
}

/* Finish this interpreter's request object now, while the handler phase
 * still holds its interpreter, instead of entering it once more at the
 * end of the request: one GIL acquisition per request where httpd
 * serves many at once. */
static void end_object_now(request_rec *r, mp_req_conf *rc,
                           mp_interp *interp)
{
    int i;

    for (i = 0; i < rc->objects->nelts; i++) {
        mp_req_object *slot = &APR_ARRAY_IDX(rc->objects, i, mp_req_object);

        if (slot->interp == interp) {
            mp_request_finish(slot->req);
            Py_CLEAR(slot->req);
            *slot = APR_ARRAY_IDX(rc->objects, rc->objects->nelts - 1,
                                  mp_req_object);
            rc->objects->nelts--;
            return;
        }
    }
}

static int run_phase(request_rec *r, const char *phase, int is_cleanup)
{
    const char *ext, *name;
    apr_array_header_t *configured, *list;
    mp_req_conf *rc;
    mp_interp *interp;
    RequestObject *req;
    PyObject *res, *phase_name;
    int result;

    configured = mp_config_handlers(r, phase, &ext);
    if (!(list = working_list(r, phase, configured))) {
        return DECLINED;        /* no Python touched (PH-hook-noentry) */
    }
    if (is_cleanup && !req_conf(r, 0)) {
        return DECLINED;
    }
    name = interpreter_name(r, APR_ARRAY_IDX(list, 0, mp_handler).directory);
    if (!(interp = mp_interp_acquire(name, r->server))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    req = (RequestObject *)mp_handlers_request_object(r, interp->state,
                                                      interp->name);
    if (!req) {
        mp_log_python_error(r, NULL, APLOG_ERR, MP_LOGNO(0012)
                            "python_handler: can't create the request "
                            "object");
        mp_interp_release(interp);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rc = req_conf(r, 1);
    rc->running_phase = phase;
    rc->running = list;
    phase_name = PyUnicode_FromString(phase);
    Py_XSETREF(req->phase, phase_name ? phase_name : Py_NewRef(Py_None));
    req->extension = ext;
    Py_XSETREF(req->hlist, mp_hlist_new(interp->state, list,
                                        (PyObject *)req));
    if (!req->hlist) {
        res = NULL;
    }
    else {
        res = PyObject_CallMethod(interp->callback, "HandlerDispatch", "O",
                                  (PyObject *)req);
    }
    result = phase_result(r, phase, res);
    Py_XDECREF(res);
    Py_XSETREF(req->phase, Py_NewRef(Py_None));
    rc->running_phase = NULL;
    rc->running = NULL;

    if (!strcmp(phase, "PythonAuthenHandler")) {
        if (result == OK && !r->user) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MP_LOGNO(0013)
                          "python_handler: After PythonAuthenHandler "
                          "req->user is NULL. Assign something to req.user "
                          "if returning OK to avoid this error.");
            result = HTTP_INTERNAL_SERVER_ERROR;
        }
        else if (result == HTTP_UNAUTHORIZED) {
            ap_note_auth_failure(r);
        }
    }
    if (!strcmp(phase, "PythonHandler") && (result == OK || result == DONE)
        && !python_runs_later(r, req)) {
        end_object_now(r, rc, interp);
    }
    Py_DECREF(req);
    mp_interp_release(interp);
    return result;
}

/* ------------------------------------------------------------------
 * The hooks
 */

/* PythonInitHandler: run in post-read-request when written at server
 * level, in header-parser when written in a directory section
 * (DIR-PythonInitHandler: the intended behaviour). */
static int init_is_directory_level(request_rec *r)
{
    const char *ext;
    apr_array_header_t *list = mp_config_handlers(r, "PythonInitHandler",
                                                  &ext);

    return list && list->nelts
           && (APR_ARRAY_IDX(list, 0, mp_handler).directory
               || APR_ARRAY_IDX(list, 0, mp_handler).is_location);
}

/* Run Init, then `phase`; Init's non-OK/DECLINED result wins
 * (PH-disp-init-chain). */
static int run_with_init(request_rec *r, const char *phase, int run_init)
{
    if (run_init) {
        int rc = run_phase(r, "PythonInitHandler", 0);

        if (rc != OK && rc != DECLINED) {
            return rc;
        }
    }
    return run_phase(r, phase, 0);
}

static int mp_hook_post_read_request(request_rec *r)
{
    return run_with_init(r, "PythonPostReadRequestHandler",
                         !init_is_directory_level(r));
}

static int mp_hook_trans(request_rec *r)
{
    return run_phase(r, "PythonTransHandler", 0);
}

/* A URI under a <Location> with Python handlers maps to no file
 * (DIR-location-nomap). */
static int mp_hook_location_nomap(request_rec *r)
{
    mp_dir_conf *conf = mp_config_dir(r);

    return conf->in_location ? OK : DECLINED;
}

static int mp_hook_header_parser(request_rec *r)
{
    return run_with_init(r, "PythonHeaderParserHandler",
                         init_is_directory_level(r));
}

static int mp_hook_access(request_rec *r)
{
    return run_phase(r, "PythonAccessHandler", 0);
}

static int mp_hook_authen(request_rec *r)
{
    return run_phase(r, "PythonAuthenHandler", 0);
}

static int mp_hook_authz(request_rec *r)
{
    return run_phase(r, "PythonAuthzHandler", 0);
}

static int mp_hook_type(request_rec *r)
{
    return run_phase(r, "PythonTypeHandler", 0);
}

static int mp_hook_fixups(request_rec *r)
{
    return run_phase(r, "PythonFixupHandler", 0);
}

static int mp_hook_handler(request_rec *r)
{
    if (!r->handler || (strcmp(r->handler, MP_HANDLER_NAME)
                        && strcmp(r->handler, MP_HANDLER_NAME_LEGACY))) {
        return DECLINED;
    }
    return run_phase(r, "PythonHandler", 0);
}

static int mp_hook_log(request_rec *r)
{
    return run_phase(r, "PythonLogHandler", 0);
}

/* ------------------------------------------------------------------
 * Connection handlers (PH-conn-*)
 */

static const char *conn_interpreter_name(server_rec *s)
{
    mp_server_conf *sconf = mp_config_server(s);
    const char *name = apr_table_get(sconf->directives, "PythonInterpreter");
    const char *flag;

    if (name) {
        return name;
    }
    flag = apr_table_get(sconf->directives, "PythonInterpPerDirective");
    if (flag && !strcmp(flag, "1")) {
        return MP_MAIN_INTERPRETER;
    }
    return mp_config_default_interpreter(s);
}

static int mp_hook_connection(conn_rec *c)
{
    mp_server_conf *sconf = mp_config_server(c->base_server);
    apr_array_header_t *list;
    mp_interp *interp;
    ConnObject *conn;
    PyObject *res;
    int result = HTTP_INTERNAL_SERVER_ERROR;

    if (!sconf->connection_handler) {
        return DECLINED;
    }
    interp = mp_interp_acquire(conn_interpreter_name(c->base_server),
                               c->base_server);
    if (!interp) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    list = apr_array_make(c->pool, 1, sizeof(mp_handler));
    *(mp_handler *)apr_array_push(list) = *sconf->connection_handler;
    conn = (ConnObject *)mp_conn_new(interp->state, c);
    if (conn && (conn->hlist = mp_hlist_new(interp->state, list,
                                            (PyObject *)conn))) {
        res = PyObject_CallMethod(interp->callback, "ConnectionDispatch",
                                  "O", (PyObject *)conn);
        if (!res) {
            mp_log_python_error(NULL, c->base_server, APLOG_ERR,
                                MP_LOGNO(0014) "python_connection: "
                                "ConnectionDispatch() returned nothing.");
        }
        else if (PyLong_Check(res)) {
            result = (int)PyLong_AsLong(res);
        }
        Py_XDECREF(res);
    }
    else {
        mp_log_python_error(NULL, c->base_server, APLOG_ERR, MP_LOGNO(0015)
                            "python_connection: can't create the "
                            "connection object");
    }
    if (conn) {
        mp_conn_finish((PyObject *)conn);
        Py_DECREF(conn);
    }
    mp_interp_release(interp);
    return result;
}

/* ------------------------------------------------------------------
 * PythonImport (PH-pyimport-*)
 */

void mp_handlers_run_imports(server_rec *s)
{
    apr_array_header_t *imports = mp_config_server(s)->imports;
    int i;

    /* Last written first, as the original. */
    for (i = imports->nelts - 1; i >= 0; i--) {
        mp_import *imp = &APR_ARRAY_IDX(imports, i, mp_import);
        mp_interp *interp = mp_interp_acquire(imp->interpreter, s);
        PyObject *res;

        if (!interp) {
            continue;
        }
        res = PyObject_CallMethod(interp->callback, "ImportDispatch", "s",
                                  imp->spec);
        if (!res) {
            mp_log_python_error(NULL, s, APLOG_ERR, apr_psprintf(
                s->process->pool, MP_LOGNO(0016) "directive_PythonImport: "
                "error importing %s", imp->spec));
        }
        Py_XDECREF(res);
        mp_interp_release(interp);
    }
}

void mp_handlers_register_hooks(apr_pool_t *p)
{
    static const char *const auth_modules[] = {
        "mod_auth_basic.c", "mod_auth_digest.c", "mod_auth_form.c", NULL
    };
    static const char *const authz_modules[] = { "mod_authz_core.c", NULL };

    ap_hook_process_connection(mp_hook_connection, NULL, NULL,
                               APR_HOOK_MIDDLE);
    ap_hook_post_read_request(mp_hook_post_read_request, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_translate_name(mp_hook_trans, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(mp_hook_location_nomap, NULL, NULL,
                           APR_HOOK_MIDDLE);
    ap_hook_map_to_storage(mp_hook_location_nomap, NULL, NULL,
                           APR_HOOK_MIDDLE);
    ap_hook_header_parser(mp_hook_header_parser, NULL, NULL,
                          APR_HOOK_MIDDLE);
    ap_hook_check_access(mp_hook_access, NULL, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
    /* Before httpd's own authentication modules, which otherwise answer
     * for every AuthType they know; with no Python handler configured we
     * decline and they run as usual. */
    ap_hook_check_authn(mp_hook_authen, NULL, auth_modules, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(mp_hook_authz, NULL, authz_modules, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_type_checker(mp_hook_type, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(mp_hook_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(mp_hook_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(mp_hook_log, NULL, NULL, APR_HOOK_MIDDLE);
    mp_filter_register_generic(p);
}
