/*
 * mp_request: the request object handed to every request-phase handler
 * (request-object.md 1, REQ-*).
 */
#ifndef MP_REQUESTOBJECT_H
#define MP_REQUESTOBJECT_H

#include "mod_python.h"
#include "_apachemodule.h"

typedef struct {
    mp_wrapper head;            /* head.rec: request_rec *, NULL when over */
    PyObject *dict;             /* instance __dict__ (req.form, ...) */
    /* wrappers made on first use */
    PyObject *connection, *server, *next, *prev, *main;
    PyObject *headers_in, *headers_out, *err_headers_out;
    PyObject *subprocess_env, *notes;
    PyObject *config, *options;
    const void *config_of;      /* the per_dir_config they were made from */
    /* set by the dispatcher */
    PyObject *hlist;
    PyObject *phase;            /* str or None */
    const char *interpreter;
    const char *extension;
    PyObject *cleanups;         /* list of (callable, data), or NULL */
    int content_type_set;
    apr_off_t bytes_queued;
    apr_size_t bytes_held;      /* written with the GIL kept, see write() */
    /* request body: set up on first read; readline's look-ahead */
    int body_state;             /* 0 not set up, 1 reading, 2 at end */
    char *rbuf;                 /* malloc'ed */
    apr_size_t rbuf_len, rbuf_pos;
} RequestObject;

/* New reference wrapping `r`.  GIL held. */
PyObject *mp_request_new(mp_module_state *st, request_rec *r,
                         const char *interp_name);

/*
 * The request is over: drop the record pointer and every cached wrapper,
 * so later use raises RuntimeError.  GIL held.
 */
void mp_request_finish(PyObject *req);

/* The request_rec of a live request object, or NULL with an exception. */
request_rec *mp_request_rec(PyObject *req);

int mp_request_type_init(PyObject *module, mp_module_state *st);

#endif /* MP_REQUESTOBJECT_H */
