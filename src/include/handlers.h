/*
 * Phase dispatch (phases-and-handlers.md 2-3, 5-8): the request hooks, the
 * connection hook, PythonImport, and the request object's life.
 */
#ifndef MP_HANDLERS_H
#define MP_HANDLERS_H

#include "mod_python.h"
#include "_apachemodule.h"

/* Register every hook mod_python uses, and the optional functions of
 * mp_optional.h (from the module record). */
void mp_handlers_register_hooks(apr_pool_t *p);

/* Run the main server's PythonImport entries (child_init; GIL free). */
void mp_handlers_run_imports(server_rec *s);

/*
 * req.add_handler(): add `spec` to `phase` for this request (PH-dyn-*).
 * GIL held.  -1 with IndexError set for an unknown phase.
 */
int mp_handlers_add_dynamic(request_rec *r, PyObject *req, const char *phase,
                            const char *spec, const char *dir);

/*
 * The request object of `r` in the current interpreter, created (with
 * its end-of-request cleanup) on first use.  New reference; GIL held.
 */
PyObject *mp_handlers_request_object(request_rec *r, mp_module_state *st,
                                     const char *interp_name);

#endif /* MP_HANDLERS_H */
