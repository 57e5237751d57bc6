/*
 * mp_filter: the object handed to a Python filter, one per invocation
 * (request-object.md 6, FLT-*; PH-filter-obj).
 *
 * Output filter: read*() take data from the brigade httpd passed in,
 * write() queues data that flush()/close() send down the chain.  Input
 * filter: read*() pull from the upstream filter with the mode and size
 * httpd asked for, write() fills the brigade handed back to the caller.
 */
#ifndef MP_FILTEROBJECT_H
#define MP_FILTEROBJECT_H

#include "mod_python.h"
#include "_apachemodule.h"
#include "filters.h"

typedef struct {
    mp_wrapper head;            /* head.rec: ap_filter_t *, NULL when over */
    mp_filter_ctx *ctx;
    PyObject *req, *name, *handler, *dir;
    int is_input;
    int is_include;             /* SSI: writes go into mod_include's bb */
    int closed;
    int softspace;
    /* what httpd asked an input filter for */
    ap_input_mode_t mode;
    apr_read_type_e block;
    apr_off_t readbytes;
    /* output: the brigade passed in; input: the caller's brigade */
    apr_bucket_brigade *bb;
    apr_status_t rc;            /* status of the last brigade operation */
    int fetched;                /* input: upstream reads made */
    int consumed;               /* buckets taken from the source */
    int saw_eos;                /* a read() returned None */
} FilterObject;

/* How an input filter was called (unused for output filters). */
typedef struct {
    ap_input_mode_t mode;
    apr_read_type_e block;
    apr_off_t readbytes;
} mp_filter_input_args;

/*
 * New reference: a filter object for one invocation of `f` with brigade
 * `bb` (for input filters, the caller's brigade and `in` the request).
 * `req` is the request object, `handler`/`dir` the entry's spec and
 * directory (dir may be NULL).  GIL held; NULL with an exception set.
 */
PyObject *mp_filter_new(mp_module_state *st, ap_filter_t *f,
                        mp_filter_ctx *ctx, apr_bucket_brigade *bb,
                        const mp_filter_input_args *in, PyObject *req,
                        const char *handler, const char *dir);

/*
 * The invocation is over: detach the object from `f` and its brigades,
 * so later use raises RuntimeError.  Returns the status of the last
 * brigade operation.  GIL held.
 */
apr_status_t mp_filter_finish(PyObject *filter);

/*
 * New reference: the filter object handed to an SSI #python element run
 * by mod_include's filter `f`.  Writes go into `bb` at the element's
 * place; flush() marks a flush there; nothing is passed down.  `ctx` is
 * the element's own (disable() sets it).  GIL held.
 */
PyObject *mp_filter_new_include(mp_module_state *st, ap_filter_t *f,
                                mp_filter_ctx *ctx, apr_bucket_brigade *bb,
                                PyObject *req);

/* Output: pass `bb` to the next filter unless EOS already went, noting an
 * EOS in it; the brigade is emptied.  GIL not held (blocks). */
apr_status_t mp_filter_pass(ap_filter_t *f, mp_filter_ctx *ctx,
                            apr_bucket_brigade *bb);

int mp_filter_type_init(PyObject *module, mp_module_state *st);

#endif /* MP_FILTEROBJECT_H */
