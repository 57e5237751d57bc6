/*
 * Python input and output filters (phases-and-handlers.md 7, PH-filter-*;
 * request-object.md 6, FLT-*).
 *
 * Every Python filter is an httpd request-level (resource) filter whose
 * function lives here.  A filter configured with PythonInputFilter or
 * PythonOutputFilter is registered under its own (lower-cased) name; one
 * generic filter called MOD_PYTHON serves the filters registered per
 * request with req.register_*_filter() and inserted with
 * req.add_*_filter().  Each invocation makes a new mp_filter object and
 * calls apache._callback.FilterDispatch() with it.
 */
#ifndef MP_FILTERS_H
#define MP_FILTERS_H

#include "mod_python.h"

/* The httpd name of the generic filter (FLT-attr-name: "mod_python"). */
#define MP_FILTER_NAME "MOD_PYTHON"

/*
 * State of one filter instance (one ap_filter_t), kept in f->ctx for the
 * life of the request; allocated in the request pool.  The brigades are
 * made on first use.
 */
typedef struct mp_filter_ctx {
    const char *registered;     /* MOD_PYTHON: req.register_*_filter name */
    int transparent;            /* disabled: pass everything through */
    int eos_sent;               /* EOS handed on; nothing follows it */
    apr_bucket_brigade *bb_out; /* output: written, not yet passed on */
    apr_bucket_brigade *bb_in;  /* input: fetched upstream, not yet read */
    apr_bucket_brigade *pending;/* input: produced beyond `readbytes` */
} mp_filter_ctx;

/*
 * Register the httpd filter `name` (already lower-case) for a
 * PythonInputFilter or PythonOutputFilter directive.  Config time; no
 * Python involved.
 */
void mp_filter_register_configured(const char *name, int is_input);

/* Register the generic MOD_PYTHON input and output filters (from the
 * module's register_hooks). */
void mp_filter_register_generic(apr_pool_t *p);

/*
 * req.add_input_filter(name) / req.add_output_filter(name): insert the
 * generic filter bound to `name` when `name` was registered on `r` with
 * req.register_*_filter(), else the httpd filter called `name` (httpd
 * logs unknown names).  No Python involved; the GIL may be held.
 */
void mp_filter_add(request_rec *r, const char *name, int is_input);

/* Whether a Python filter is in r's input or output chain (so Python may
 * still run for r after its handler returns).  No Python involved. */
int mp_filter_in_chain(request_rec *r);

#endif /* MP_FILTERS_H */
