/*
 * mp_conn: a connection (request-object.md 4, CONN-*).
 */
#ifndef MP_CONNOBJECT_H
#define MP_CONNOBJECT_H

#include "mod_python.h"
#include "_apachemodule.h"

typedef struct {
    mp_wrapper head;            /* head.rec: conn_rec *, NULL when over */
    PyObject *base_server;
    PyObject *notes;
    PyObject *hlist;            /* set for connection handlers */
} ConnObject;

/* New reference wrapping `c`.  GIL held. */
PyObject *mp_conn_new(mp_module_state *st, conn_rec *c);

/* The record is going away: later use raises RuntimeError.  GIL held. */
void mp_conn_finish(PyObject *conn);

int mp_conn_type_init(PyObject *module, mp_module_state *st);

#endif /* MP_CONNOBJECT_H */
