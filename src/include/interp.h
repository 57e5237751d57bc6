/*
 * Python start-up and the interpreter table (phases-and-handlers.md 9-10).
 *
 * Each child process starts Python once (mp_interp_start_python, from
 * child_init) and keeps one interpreter per name for its whole life.  Code
 * enters Python with exactly one pair of calls:
 *
 *     mp_interp *interp = mp_interp_acquire(name);   GIL now held
 *     ...
 *     mp_interp_release(interp);                     GIL dropped
 *
 * Around anything that blocks while Python is entered, wrap the call in
 * MP_BLOCKING_BEGIN / MP_BLOCKING_END instead of the Py_*_ALLOW_THREADS
 * macros, so that a nested entry on the same thread (a filter run from
 * inside req.write, an internal redirect) knows the GIL is free.
 */
#ifndef MP_INTERP_H
#define MP_INTERP_H

#include "mod_python.h"
#include "_apachemodule.h"

typedef struct mp_interp mp_interp;

struct mp_interp {
    const char *name;               /* process pool; never freed */
    PyInterpreterState *istate;
    PyObject *callback;             /* the apache.CallBack instance */
    mp_module_state *state;         /* _apache's types for this interp */
    int index;                      /* slot in the per-thread state cache */
};

/*
 * Start Python in this child process: GIL not held on entry or exit.
 * `pchild` outlives every interpreter.  Returns APR_SUCCESS or logs why
 * not and returns an error.
 */
apr_status_t mp_interp_start_python(apr_pool_t *pchild, server_rec *s);

/* True once Python runs in this process. */
int mp_interp_python_started(void);

/*
 * Find or create the interpreter `name` and enter it on this thread.
 * GIL not required on entry; held on return.  Returns NULL (GIL not held,
 * reason logged against `s`) when the interpreter cannot be set up.
 */
mp_interp *mp_interp_acquire(const char *name, server_rec *s);

/* Leave the interpreter entered by the matching acquire: GIL released
 * (or handed back to the outer entry of a nested acquire). */
void mp_interp_release(mp_interp *interp);

/* The interpreter this thread is in, or NULL. */
mp_interp *mp_interp_current(void);

/* Detach the current thread state (GIL held on entry, released on exit)
 * and re-attach it; used by the MP_BLOCKING macros. */
void *mp_interp_suspend(void);
void mp_interp_resume(void *saved);

#define MP_BLOCKING_BEGIN { void *mp__saved = mp_interp_suspend();
#define MP_BLOCKING_END   mp_interp_resume(mp__saved); }

#endif /* MP_INTERP_H */
