/*
 * mod_python's C API for other httpd modules (PH-start-optfn), reached
 * through httpd optional functions, e.g.
 *
 *     static APR_OPTIONAL_FN_TYPE(mp_acquire_interpreter) *acquire;
 *     acquire = APR_RETRIEVE_OPTIONAL_FN(mp_acquire_interpreter);
 *
 * in an optional_fn_retrieve hook (NULL when mod_python is not loaded).
 * Usable in child processes, from request and connection threads.  This
 * header stands alone: it is for modules other than mod_python.
 */
#ifndef MP_OPTIONAL_H
#define MP_OPTIONAL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#undef _POSIX_C_SOURCE
#undef _XOPEN_SOURCE

#include "httpd.h"
#include "apr_optional.h"

/*
 * Enter the interpreter called `name` (NULL: "main_interpreter"), made on
 * first use, on this thread.  Returns with its GIL held, or NULL (logged)
 * with the GIL as it was.  Pair every success with mp_release_interpreter()
 * on the same thread; pairs may nest.
 */
APR_DECLARE_OPTIONAL_FN(PyInterpreterState *, mp_acquire_interpreter,
                        (const char *name));

/* Leave the interpreter this thread entered last; its GIL is released. */
APR_DECLARE_OPTIONAL_FN(void, mp_release_interpreter, (void));

/*
 * New references to the Python objects for httpd records, made in the
 * interpreter entered last (call between acquire and release), or NULL
 * with a Python exception set.  The request object is the one the Python
 * handlers of `r` see in that interpreter.  Do not keep the connection
 * object beyond the life of `c`.
 */
APR_DECLARE_OPTIONAL_FN(PyObject *, mp_get_request_object,
                        (request_rec *r));
APR_DECLARE_OPTIONAL_FN(PyObject *, mp_get_server_object, (server_rec *s));
APR_DECLARE_OPTIONAL_FN(PyObject *, mp_get_connection_object,
                        (conn_rec *c));

#endif /* MP_OPTIONAL_H */
