/*
 * mp_finfo: file information (request-object.md 7, FINFO-*), as returned
 * by _apache.stat() (APA-stat) and seen through req.finfo
 * (REQ-attr-finfo).
 */
#ifndef MP_FINFOOBJECT_H
#define MP_FINFOOBJECT_H

#include "mod_python.h"
#include "_apachemodule.h"

typedef struct {
    PyObject_HEAD
    /* A view of a request's r->finfo when set (an mp_request); the data
     * below is unused then. */
    PyObject *owner;
    /* An independent copy otherwise; fname and name point into malloc'ed
     * memory owned by this object (or are NULL). */
    apr_finfo_t own;
} FinfoObject;

/*
 * New reference: a live view of the r->finfo of the request object
 * `req` (kept alive by the view; use after the request is over raises
 * RuntimeError).  GIL held.
 */
PyObject *mp_finfo_view(mp_module_state *st, PyObject *req);

/*
 * Copy the file information of `value`, which must be an mp_finfo, into
 * `r->finfo`; strings are copied into r->pool (FINFO-assign).  Returns 0,
 * or -1 with TypeError("finfo must be a finfoobject") set.  GIL held.
 */
int mp_finfo_assign(mp_module_state *st, request_rec *r, PyObject *value);

/*
 * _apache.stat(fname, wanted) (APA-stat): a module-level function of
 * _apache, `module` being that module.  GIL held; released around the
 * apr_stat call.
 */
PyObject *mp_finfo_stat(PyObject *module, PyObject *args);

int mp_finfo_type_init(PyObject *module, mp_module_state *st);

#endif /* MP_FINFOOBJECT_H */
