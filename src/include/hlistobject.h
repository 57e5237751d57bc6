/*
 * mp_hlist: the list of handler entries a phase runs (request-object.md 2,
 * HL-*), exposed as req.hlist and conn.hlist.
 */
#ifndef MP_HLISTOBJECT_H
#define MP_HLISTOBJECT_H

#include "mod_python.h"
#include "_apachemodule.h"
#include "config.h"

typedef struct {
    PyObject_HEAD
    apr_array_header_t *entries;    /* of mp_handler; may grow while run */
    int pos;
    PyObject *owner;                /* mp_wrapper whose pool holds entries */
} HlistObject;

/* New reference over `entries` (kept alive by `owner`'s record).  GIL
 * held. */
PyObject *mp_hlist_new(mp_module_state *st, apr_array_header_t *entries,
                       PyObject *owner);

int mp_hlist_type_init(PyObject *module, mp_module_state *st);

#endif /* MP_HLISTOBJECT_H */
