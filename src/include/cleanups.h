/*
 * Child-exit cleanups (PH-clean-server): callables run when the child
 * process's pool is destroyed, each in the interpreter it was registered
 * from.
 */
#ifndef MP_CLEANUPS_H
#define MP_CLEANUPS_H

#include "mod_python.h"

/* Remember the child pool; called once from child_init. */
void mp_cleanup_init(apr_pool_t *pchild);

/*
 * Call `callable(data)` at child exit in interpreter `interp_name` (GIL
 * held on entry; new references taken).  -1 with an exception set if it
 * cannot be registered.
 */
int mp_cleanup_register_child(const char *interp_name, server_rec *s,
                              PyObject *callable, PyObject *data);

/*
 * Call `callable(data)` now, logging a failure the way PH-err-cleanup
 * says (GIL held; never leaves an exception set).
 */
void mp_cleanup_call(request_rec *r, server_rec *s, PyObject *callable,
                     PyObject *data);

#endif /* MP_CLEANUPS_H */
