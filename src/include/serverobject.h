/*
 * mp_server: a (virtual) server record (request-object.md 5, SRV-*).
 */
#ifndef MP_SERVEROBJECT_H
#define MP_SERVEROBJECT_H

#include "mod_python.h"
#include "_apachemodule.h"

typedef struct {
    mp_wrapper head;            /* head.rec: server_rec *, never freed */
    PyObject *dict;             /* instance __dict__ */
    PyObject *next;             /* cached server.next wrapper */
} ServerObject;

/* New reference wrapping `s`.  GIL held. */
PyObject *mp_server_new(mp_module_state *st, server_rec *s);

int mp_server_type_init(PyObject *module, mp_module_state *st);

#endif /* MP_SERVEROBJECT_H */
