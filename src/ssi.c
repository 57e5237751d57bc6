/*
 * SSI #python elements: mod_include parses the page and calls us for each
 * element; the code runs through apache.CallBack.IncludeDispatch with a
 * filter object whose writes land at the element's place.
 */
#include "ssi.h"
#include "mod_include.h"
#include "interp.h"
#include "handlers.h"
#include "filters.h"
#include "filterobject.h"
#include "log.h"

static APR_OPTIONAL_FN_TYPE(ap_ssi_get_tag_and_value) *get_tag_and_value;

/* Log `why` about the element and put mod_include's error text in the
 * page. */
static apr_status_t element_error(include_ctx_t *ctx, ap_filter_t *f,
                                  apr_bucket_brigade *bb, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, f->r, MP_LOGNO(0050) "%s", why);
    SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
    return APR_SUCCESS;
}

/* Run `code` (an eval or exec element) in the request's interpreter; 0 on
 * success, -1 when it failed (already reported by the dispatcher). */
static int run_element(ap_filter_t *f, apr_bucket_brigade *bb,
                       const char *kind, const char *code)
{
    request_rec *r = f->r;
    const char *name = mp_handlers_interpreter_name(r, NULL);
    mp_interp *interp = mp_interp_acquire(name, r->server);
    mp_filter_ctx *fctx;
    PyObject *req, *filter = NULL, *res = NULL;
    int rc = -1;

    if (!interp) {
        return -1;
    }
    fctx = apr_pcalloc(r->pool, sizeof(*fctx));
    req = mp_handlers_request_object(r, interp->state, interp->name);
    if (req) {
        filter = mp_filter_new_include(interp->state, f, fctx, bb, req);
    }
    if (filter) {
        res = PyObject_CallMethod(interp->callback, "IncludeDispatch", "Oss",
                                  filter, kind, code);
        mp_filter_finish(filter);
    }
    if (!res) {
        mp_log_python_error(r, NULL, APLOG_ERR, MP_LOGNO(0051)
                            "python_ssi: IncludeDispatch() failed");
    }
    else {
        rc = PyObject_IsTrue(res) ? 0 : -1;
    }
    Py_XDECREF(res);
    Py_XDECREF(filter);
    Py_XDECREF(req);
    mp_interp_release(interp);
    return rc;
}

static apr_status_t mp_ssi_handler(include_ctx_t *ctx, ap_filter_t *f,
                                   apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const char *file = r->filename ? r->filename : r->uri;
    const char *kind = NULL, *code = NULL;
    char *tag, *value;

    if (!(ctx->flags & SSI_FLAG_PRINTING)) {
        return APR_SUCCESS;     /* inside a false #if branch */
    }
    if (ctx->flags & SSI_FLAG_NO_EXEC) {
        return element_error(ctx, f, bb, apr_psprintf(
            r->pool, "#python used but not allowed in %s", file));
    }
    for (;;) {
        get_tag_and_value(ctx, &tag, &value, SSI_VALUE_DECODED);
        if (!tag) {
            break;
        }
        if (strcmp(tag, "eval") && strcmp(tag, "exec")) {
            return element_error(ctx, f, bb, apr_psprintf(
                r->pool, "unexpected '%s' parameter to tag 'python' in %s",
                tag, file));
        }
        if (!value || !*value) {
            return element_error(ctx, f, bb, apr_psprintf(
                r->pool, "empty value for '%s' parameter to tag 'python' "
                "in %s", tag, file));
        }
        if (code) {
            return element_error(ctx, f, bb, apr_psprintf(
                r->pool, "multiple 'eval/exec' parameters to tag 'python' "
                "in %s", file));
        }
        kind = tag;
        code = value;
    }
    if (!code) {
        return element_error(ctx, f, bb, apr_psprintf(
            r->pool, "missing 'eval/exec' parameter to tag 'python' in %s",
            file));
    }
    if (run_element(f, bb, kind, code) < 0) {
        SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
    }
    return APR_SUCCESS;
}

void mp_ssi_register(void)
{
    APR_OPTIONAL_FN_TYPE(ap_register_include_handler) *reg;

    reg = APR_RETRIEVE_OPTIONAL_FN(ap_register_include_handler);
    get_tag_and_value = APR_RETRIEVE_OPTIONAL_FN(ap_ssi_get_tag_and_value);
    if (reg && get_tag_and_value) {
        reg("python", mp_ssi_handler);
    }
}
