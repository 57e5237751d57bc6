/*
 * The optional functions of mod_python_api.h.
 */
#include "mod_python.h"
#include "mod_python_api.h"
#include "api.h"
#include "interp.h"
#include "handlers.h"
#include "serverobject.h"
#include "connobject.h"

static PyInterpreterState *mp_acquire_interpreter(const char *name)
{
    mp_interp *interp = mp_interp_acquire(name ? name : MP_MAIN_INTERPRETER,
                                          ap_server_conf);

    return interp ? interp->istate : NULL;
}

static void mp_release_interpreter(void)
{
    mp_interp *interp = mp_interp_current();

    if (interp) {
        mp_interp_release(interp);
    }
}

/* The current interpreter's types, or NULL with an exception set. */
static mp_interp *current(void)
{
    mp_interp *interp = mp_interp_current();

    if (!interp) {
        PyErr_SetString(PyExc_RuntimeError, "no mod_python interpreter "
                        "acquired on this thread");
    }
    return interp;
}

static PyObject *mp_get_request_object(request_rec *r)
{
    mp_interp *interp = current();

    return interp ? mp_handlers_request_object(r, interp->state,
                                               interp->name) : NULL;
}

static PyObject *mp_get_server_object(server_rec *s)
{
    mp_interp *interp = current();

    return interp ? mp_server_new(interp->state, s) : NULL;
}

static PyObject *mp_get_connection_object(conn_rec *c)
{
    mp_interp *interp = current();

    /* Owned by the caller, who must not keep it past the connection. */
    return interp ? mp_conn_new(interp->state, c) : NULL;
}

void mp_api_register(void)
{
    APR_REGISTER_OPTIONAL_FN(mp_acquire_interpreter);
    APR_REGISTER_OPTIONAL_FN(mp_release_interpreter);
    APR_REGISTER_OPTIONAL_FN(mp_get_request_object);
    APR_REGISTER_OPTIONAL_FN(mp_get_server_object);
    APR_REGISTER_OPTIONAL_FN(mp_get_connection_object);
}
