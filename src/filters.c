/*
 * Python filters (PH-filter-*): the httpd filter functions, which find
 * the entry to run, enter its interpreter and call FilterDispatch() with
 * a new mp_filter object for each invocation.
 */
#include "filters.h"
#include "filterobject.h"
#include "config.h"
#include "handlers.h"
#include "interp.h"
#include "log.h"

static apr_status_t output_filter(ap_filter_t *f, apr_bucket_brigade *bb);
static apr_status_t input_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                 ap_input_mode_t mode,
                                 apr_read_type_e block,
                                 apr_off_t readbytes);

void mp_filter_register_configured(const char *name, int is_input)
{
    /* Request-level filters only (PH-filter-many).  httpd keeps the
     * registry in the configuration pool, so a restart that re-reads the
     * configuration registers afresh. */
    if (is_input) {
        ap_register_input_filter(name, input_filter, NULL,
                                 AP_FTYPE_RESOURCE);
    }
    else {
        ap_register_output_filter(name, output_filter, NULL,
                                  AP_FTYPE_RESOURCE);
    }
}

void mp_filter_register_generic(apr_pool_t *p)
{
    mp_filter_register_configured(MP_FILTER_NAME, 1);
    mp_filter_register_configured(MP_FILTER_NAME, 0);
}

void mp_filter_add(request_rec *r, const char *name, int is_input)
{
    mp_filter_ctx *ctx = NULL;
    const char *httpd_name = name;

    if (mp_handlers_find_filter(r, name, is_input)) {
        ctx = apr_pcalloc(r->pool, sizeof(*ctx));
        ctx->registered = apr_pstrdup(r->pool, name);
        httpd_name = MP_FILTER_NAME;
    }
    if (is_input) {
        ap_add_input_filter(httpd_name, ctx, r, r->connection);
    }
    else {
        ap_add_output_filter(httpd_name, ctx, r, r->connection);
    }
}

int mp_filter_in_chain(request_rec *r)
{
    ap_filter_t *f;

    for (f = r->output_filters; f; f = f->next) {
        if (f->frec->filter_func.out_func == output_filter) {
            return 1;
        }
    }
    for (f = r->input_filters; f; f = f->next) {
        if (f->frec->filter_func.in_func == input_filter) {
            return 1;
        }
    }
    return 0;
}

/* The state of filter instance `f`, made on its first call. */
static mp_filter_ctx *ctx_of(ap_filter_t *f)
{
    if (!f->ctx) {
        f->ctx = apr_pcalloc(f->r->pool, sizeof(mp_filter_ctx));
    }
    return f->ctx;
}

/* The entry to run: a registration of this request for the generic
 * filter, else the filter's name in the merged per-directory config. */
static const mp_handler *find_entry(ap_filter_t *f, mp_filter_ctx *ctx,
                                    int is_input)
{
    mp_dir_conf *conf;

    if (ctx->registered) {
        return mp_handlers_find_filter(f->r, ctx->registered, is_input);
    }
    conf = mp_config_dir(f->r);
    return apr_hash_get(is_input ? conf->input_filters
                                 : conf->output_filters,
                        f->frec->name, APR_HASH_KEY_STRING);
}

/* What one Python invocation achieved, for the callers' loops. */
typedef struct {
    int consumed;               /* data was taken from upstream */
    int saw_eos;                /* a read returned None */
} run_outcome;

/*
 * One call of the Python filter (PH-filter-obj).  GIL not held on entry
 * or exit.  Returns the status of the last brigade operation the filter
 * performed, or an HTTP error status when it could not be run.
 */
static apr_status_t run_python(ap_filter_t *f, mp_filter_ctx *ctx,
                               apr_bucket_brigade *bb,
                               const mp_filter_input_args *in,
                               run_outcome *outcome)
{
    request_rec *r = f->r;
    const mp_handler *h = find_entry(f, ctx, in != NULL);
    mp_interp *interp;
    PyObject *req, *filter = NULL, *res;
    FilterObject *o;
    apr_status_t rc;

    memset(outcome, 0, sizeof(*outcome));
    if (!h) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MP_LOGNO(0140)
                      "python_filter: Could not find registered filter.");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* PerDirective names the interpreter after the recorded directory
     * as written, wildcards unresolved (DIR-PythonInterpPerDirective). */
    interp = mp_interp_acquire(mp_handlers_interpreter_name(r, h->directory),
                               r->server);
    if (!interp) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    req = mp_handlers_request_object(r, interp->state, interp->name);
    if (req) {
        filter = mp_filter_new(interp->state, f, ctx, bb, in, req, h->spec,
                               mp_config_resolve_directory(r, h));
    }
    if (!filter) {
        mp_log_python_error(r, NULL, APLOG_ERR, MP_LOGNO(0141)
                            "python_filter: can't create the filter "
                            "object");
        Py_XDECREF(req);
        mp_interp_release(interp);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    res = PyObject_CallMethod(interp->callback, "FilterDispatch", "O",
                              filter);
    if (!res) {
        /* FilterDispatch reports errors itself; this is a failure of the
         * reporting.  Stop calling Python for this filter. */
        mp_log_python_error(r, NULL, APLOG_ERR, apr_psprintf(
            r->pool, MP_LOGNO(0142) "python_filter: (%s) FilterDispatch() "
            "failed.", f->frec->name));
        ctx->transparent = 1;
    }
    Py_XDECREF(res);
    o = (FilterObject *)filter;
    outcome->consumed = o->consumed > 0;
    outcome->saw_eos = o->saw_eos;
    rc = mp_filter_finish(filter);
    Py_DECREF(filter);
    Py_DECREF(req);
    mp_interp_release(interp);
    return rc;
}

/* ------------------------------------------------------------------
 * Output
 */

static apr_off_t brigade_bytes(apr_bucket_brigade *bb)
{
    apr_off_t len = 0;

    apr_brigade_length(bb, 0, &len);
    return len;
}

static apr_status_t output_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    mp_filter_ctx *ctx;
    apr_status_t rc = APR_SUCCESS;

    if (!f->r) {
        return ap_pass_brigade(f->next, bb);
    }
    ctx = ctx_of(f);
    if (ctx->eos_sent) {
        apr_brigade_cleanup(bb);
        return APR_SUCCESS;
    }
    if (!ctx->transparent) {
        if (APR_BRIGADE_EMPTY(bb)) {
            return APR_SUCCESS;
        }
        /* Once per brigade (PH-filter-many).  A read stops at a FLUSH
         * (FLT-read); the flush itself is the dispatcher's, so the FLUSH
         * is dropped and the data behind it gets another call.  So does
         * what a call reading in pieces left.  Every round takes data or
         * drops a FLUSH; what a call leaves untouched is dropped. */
        for (;;) {
            run_outcome outcome;
            int progress;

            rc = run_python(f, ctx, bb, NULL, &outcome);
            if (ctx->transparent || ctx->eos_sent || rc != APR_SUCCESS) {
                break;
            }
            progress = outcome.consumed;
            while (!APR_BRIGADE_EMPTY(bb)
                   && APR_BUCKET_IS_FLUSH(APR_BRIGADE_FIRST(bb))) {
                apr_bucket_delete(APR_BRIGADE_FIRST(bb));
                progress = 1;
            }
            if (APR_BRIGADE_EMPTY(bb) || !progress) {
                break;
            }
        }
        if (!ctx->transparent) {
            apr_brigade_cleanup(bb);
            return rc;
        }
    }
    /* Pass-through (FLT-disable, PH-err-filter): anything written but not
     * yet sent goes first. */
    if (ctx->bb_out && !APR_BRIGADE_EMPTY(ctx->bb_out)) {
        APR_BRIGADE_PREPEND(bb, ctx->bb_out);
    }
    return mp_filter_pass(f, ctx, bb);
}

/* ------------------------------------------------------------------
 * Input
 */

/* Keep buckets beyond this call: they may point into memory that is
 * only valid during it. */
static void setaside_all(apr_bucket_brigade *bb, apr_pool_t *p)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        apr_bucket_setaside(b, p);
    }
}

static int has_eos(apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        if (APR_BUCKET_IS_EOS(b)) {
            return 1;
        }
    }
    return 0;
}

/* Something a blocking reader can use: data or end-of-stream. */
static int has_data_or_eos(apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        if (APR_BUCKET_IS_EOS(b)
            || (!APR_BUCKET_IS_METADATA(b) && b->length != 0)) {
            return 1;
        }
    }
    return 0;
}

/* The modes that read request data (the others are connection-level
 * housekeeping). */
static int is_data_mode(ap_input_mode_t mode)
{
    return mode == AP_MODE_READBYTES || mode == AP_MODE_GETLINE
           || mode == AP_MODE_EXHAUSTIVE || mode == AP_MODE_SPECULATIVE;
}

/* Hand buckets held back in `from` to the caller's `bb`, as much as
 * `mode` (a data mode) and `readbytes` allow. */
static apr_status_t deliver(apr_bucket_brigade *from, apr_bucket_brigade *bb,
                            ap_input_mode_t mode, apr_read_type_e block,
                            apr_off_t readbytes)
{
    apr_bucket *after, *b;
    apr_status_t rv;

    if (mode == AP_MODE_GETLINE) {
        return apr_brigade_split_line(bb, from, block, HUGE_STRING_LEN);
    }
    if (mode == AP_MODE_EXHAUSTIVE) {
        APR_BRIGADE_CONCAT(bb, from);
        return APR_SUCCESS;
    }
    rv = apr_brigade_partition(from, readbytes, &after);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        return rv;
    }
    if (mode == AP_MODE_SPECULATIVE) {
        /* A look, not a read: copies. */
        for (b = APR_BRIGADE_FIRST(from); b != after;
             b = APR_BUCKET_NEXT(b)) {
            apr_bucket *copy;

            if ((rv = apr_bucket_copy(b, &copy)) != APR_SUCCESS) {
                return rv;
            }
            APR_BRIGADE_INSERT_TAIL(bb, copy);
        }
        return APR_SUCCESS;
    }
    while (!APR_BRIGADE_EMPTY(from)
           && (b = APR_BRIGADE_FIRST(from)) != after) {
        APR_BUCKET_REMOVE(b);
        APR_BRIGADE_INSERT_TAIL(bb, b);
    }
    return APR_SUCCESS;
}

/*
 * A reader asking for READBYTES takes at most `readbytes` (some, like
 * ap_get_client_block(), drop the excess): data beyond that is kept for
 * the next call.  Trailing metadata alone stays with the data.
 */
static void hold_excess(ap_filter_t *f, mp_filter_ctx *ctx,
                        apr_bucket_brigade *bb, apr_off_t readbytes)
{
    apr_bucket *after;

    if (apr_brigade_partition(bb, readbytes, &after) != APR_SUCCESS
        || after == APR_BRIGADE_SENTINEL(bb)) {
        return;
    }
    if (!ctx->pending) {
        ctx->pending = apr_brigade_create(f->r->pool, f->c->bucket_alloc);
    }
    /* ctx->pending is empty here: a call with something pending only
     * delivers it. */
    apr_brigade_split_ex(bb, after, ctx->pending);
    if (brigade_bytes(ctx->pending) == 0) {
        APR_BRIGADE_CONCAT(bb, ctx->pending);
        return;
    }
    setaside_all(ctx->pending, f->r->pool);
}

static apr_status_t input_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                 ap_input_mode_t mode,
                                 apr_read_type_e block,
                                 apr_off_t readbytes)
{
    mp_filter_ctx *ctx;
    mp_filter_input_args in;
    run_outcome outcome;
    apr_status_t rc;

    if (!f->r) {
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    }
    ctx = ctx_of(f);
    if (ctx->eos_sent) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        return APR_SUCCESS;
    }
    if (!is_data_mode(mode)) {
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    }
    /* Filtered data held back by an earlier call comes first. */
    if (ctx->pending && !APR_BRIGADE_EMPTY(ctx->pending)) {
        rc = deliver(ctx->pending, bb, mode, block, readbytes);
        if (mode != AP_MODE_SPECULATIVE && has_eos(bb)) {
            ctx->eos_sent = 1;
        }
        return rc;
    }
    /* Python sees the reads that consume data; speculative ones only
     * look, so they go past it. */
    if (ctx->transparent || mode == AP_MODE_SPECULATIVE) {
        if (ctx->bb_in && !APR_BRIGADE_EMPTY(ctx->bb_in)) {
            return deliver(ctx->bb_in, bb, mode, block, readbytes);
        }
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    }
    in.mode = mode;
    in.block = block;
    in.readbytes = readbytes;
    /* A blocking reader must get data or end-of-stream: a filter that
     * consumed input without producing any is called again. */
    do {
        rc = run_python(f, ctx, bb, &in, &outcome);
    } while (rc == APR_SUCCESS && block == APR_BLOCK_READ
             && !ctx->transparent && !has_data_or_eos(bb)
             && outcome.consumed && !outcome.saw_eos);
    if (ctx->transparent && rc == APR_SUCCESS && !has_data_or_eos(bb)) {
        /* Disabled during this call (an error): serve this read as a
         * pass-through one. */
        if (ctx->bb_in && !APR_BRIGADE_EMPTY(ctx->bb_in)) {
            rc = deliver(ctx->bb_in, bb, mode, block, readbytes);
        }
        else {
            rc = ap_get_brigade(f->next, bb, mode, block, readbytes);
        }
    }
    /* A non-blocking read that found nothing upstream says so, unless
     * the filter produced something all the same. */
    if (APR_STATUS_IS_EAGAIN(rc) && has_data_or_eos(bb)) {
        rc = APR_SUCCESS;
    }
    if (ctx->bb_in && !APR_BRIGADE_EMPTY(ctx->bb_in)) {
        setaside_all(ctx->bb_in, f->r->pool);
    }
    if (mode == AP_MODE_READBYTES && readbytes > 0) {
        hold_excess(f, ctx, bb, readbytes);
    }
    if (has_eos(bb)) {
        ctx->eos_sent = 1;
    }
    return rc;
}
