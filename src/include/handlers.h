/*
 * Phase dispatch (phases-and-handlers.md 2-3, 5-8): the request hooks, the
 * connection hook, PythonImport, and the request object's life.
 */
#ifndef MP_HANDLERS_H
#define MP_HANDLERS_H

#include "mod_python.h"
#include "_apachemodule.h"
#include "config.h"

/* Register every hook mod_python uses (from the module record). */
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

/*
 * The interpreter name for `r` by the directive rules (PH-interp-select),
 * `directory` being the recorded directory of the entry to run (NULL if
 * none).  Result in r->pool or the config; no Python involved.
 */
const char *mp_handlers_interpreter_name(request_rec *r,
                                         const char *directory);

/*
 * req.register_input_filter()/register_output_filter(): remember for
 * this request that filter `name` (case-sensitive) runs `spec`; `dir`
 * (may be NULL) is canonicalised (DIR-ctx-dynamic).  A later
 * registration of the same name replaces the earlier.  Copies into
 * r->pool; no Python involved.
 */
void mp_handlers_register_filter(request_rec *r, const char *name,
                                 const char *spec, const char *dir,
                                 int is_input);

/* The entry registered on `r` as `name`, or NULL.  Borrowed from
 * r->pool. */
const mp_handler *mp_handlers_find_filter(request_rec *r, const char *name,
                                          int is_input);

#endif /* MP_HANDLERS_H */
