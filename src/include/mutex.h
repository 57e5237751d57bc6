/*
 * The global (cross-process and cross-thread) mutexes behind
 * _apache._global_lock and friends (PH-start-mutex, MUTEX-*,
 * APC-_global_lock): made once in the parent at start-up, re-attached in
 * every child, used by Session locking and the PSP dbm cache.
 */
#ifndef MP_MUTEX_H
#define MP_MUTEX_H

#include "mod_python.h"

/*
 * Create the mutexes for server `s` (the main server), reading
 * mod_python.mutex_locks and mod_python.mutex_directory from its
 * server-level PythonOptions (DIR-opt-mutex_*).  Call from post_config on
 * the pass that really configures the server (PH-start-twopass); no
 * Python involved.  The mutexes live in the process pool: made once, on
 * the first real pass, and kept by every restart, so that the children
 * of the old and the new generation, which overlap in a graceful
 * restart, lock the same sessions with the same mutexes (MUTEX-count).
 * Returns OK, or a failure status (reason logged) that aborts start-up.
 */
int mp_mutex_create(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/* Re-attach the mutexes in a new child (PH-child-init); failures are
 * logged and leave that mutex unusable in the child. */
void mp_mutex_child_init(apr_pool_t *pchild, server_rec *s);

/*
 * _apache._global_lock(server, key[, index]), _global_trylock and
 * _global_unlock: module-level functions of _apache (`module`).  GIL held
 * on entry and exit; released while waiting for a lock.
 */
PyObject *mp_mutex_py_lock(PyObject *module, PyObject *args);
PyObject *mp_mutex_py_trylock(PyObject *module, PyObject *args);
PyObject *mp_mutex_py_unlock(PyObject *module, PyObject *args);

#endif /* MP_MUTEX_H */
