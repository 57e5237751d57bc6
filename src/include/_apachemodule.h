/*
 * The built-in module _apache (apache-module.md 5), one instance per
 * interpreter: multi-phase init, and heap types kept in its module state
 * so that no type object is shared between interpreters.
 */
#ifndef MP_APACHEMODULE_H
#define MP_APACHEMODULE_H

#include "mod_python.h"

/*
 * Objects that wrap an httpd record (request, connection, server) start
 * with this header.  `rec` becomes NULL when the record goes away (the
 * *_finish functions), after which the object raises RuntimeError
 * instead of touching freed memory.
 */
typedef struct {
    PyObject_HEAD
    void *rec;
} mp_wrapper;

/* Raise RuntimeError and return 1 if `wrapper`'s record is gone. */
int mp_wrapper_gone(PyObject *wrapper);

typedef struct {
    PyTypeObject *request_type;
    PyTypeObject *table_type;
    PyTypeObject *table_iter_type;
    PyTypeObject *conn_type;
    PyTypeObject *server_type;
    PyTypeObject *filter_type;
    PyTypeObject *finfo_type;
    PyTypeObject *hlist_type;
    PyObject *server_return;        /* the SERVER_RETURN exception */
} mp_module_state;

/* Registered with PyImport_AppendInittab before Python starts. */
PyMODINIT_FUNC PyInit__apache(void);

/* The state of the _apache module that defined `type` (borrowed). */
mp_module_state *mp_module_state_of(PyTypeObject *type);

#endif /* MP_APACHEMODULE_H */
