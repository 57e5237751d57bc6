/*
 * mp_table: a case-insensitive, ordered, multi-valued str mapping over an
 * httpd table (request-object.md 3, TBL-*).
 */
#ifndef MP_TABLEOBJECT_H
#define MP_TABLEOBJECT_H

#include "mod_python.h"
#include "_apachemodule.h"

typedef struct {
    PyObject_HEAD
    apr_table_t *table;
    apr_pool_t *pool;       /* own storage (apache.table()), else NULL */
    PyObject *owner;        /* mp_wrapper whose record holds the table */
    int headers;            /* HTTP headers: keys and values stay lines */
} TableObject;

/*
 * New reference: a live view of `t`, which lives as long as the record of
 * `owner` (an mp_wrapper, referenced by the view; NULL if `t` lives for
 * the whole process).  GIL held.
 */
PyObject *mp_table_wrap(mp_module_state *st, apr_table_t *t,
                        PyObject *owner);

/* Mark a table view as holding HTTP headers: from now on a key or value
 * with CR or LF in it is refused with ValueError.  Returns `table`. */
PyObject *mp_table_headers(PyObject *table);

/* The apr table behind a TableObject, or NULL (exception set) if the
 * record is gone. */
apr_table_t *mp_table_get(PyObject *table);

int mp_table_type_init(PyObject *module, mp_module_state *st);

#endif /* MP_TABLEOBJECT_H */
