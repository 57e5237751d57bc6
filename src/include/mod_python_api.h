/*
 * The C API mod_python offers other httpd modules (PH-start-optfn), as
 * httpd optional functions.  A module retrieves them after start-up with
 * APR_RETRIEVE_OPTIONAL_FN(mp_acquire_interpreter) and so on:
 *
 *     PyInterpreterState *is = acquire("main_interpreter");
 *     PyObject *req = get_request_object(r);     (new reference)
 *     ... use the Python C API ...
 *     Py_DECREF(req);
 *     release();
 *
 * mp_acquire_interpreter returns holding the GIL in that interpreter (NULL
 * for main_interpreter; the result is NULL if it cannot be set up); mp_release_interpreter leaves the interpreter
 * entered last on this thread.  The mp_get_* functions need the GIL and
 * return new references to mod_python's wrappers in the current
 * interpreter (NULL with a Python exception set on failure).
 */
#ifndef MOD_PYTHON_API_H
#define MOD_PYTHON_API_H

#include "httpd.h"
#include "apr_optional.h"

#ifndef Py_PYTHON_H
typedef struct _is PyInterpreterState;
typedef struct _object PyObject;
#endif

APR_DECLARE_OPTIONAL_FN(PyInterpreterState *, mp_acquire_interpreter,
                        (const char *name));
APR_DECLARE_OPTIONAL_FN(void, mp_release_interpreter, (void));
APR_DECLARE_OPTIONAL_FN(PyObject *, mp_get_request_object,
                        (request_rec *r));
APR_DECLARE_OPTIONAL_FN(PyObject *, mp_get_server_object, (server_rec *s));
APR_DECLARE_OPTIONAL_FN(PyObject *, mp_get_connection_object,
                        (conn_rec *c));

#endif /* MOD_PYTHON_API_H */
