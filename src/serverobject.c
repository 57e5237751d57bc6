/*
 * mp_server (SRV-*).  Server records live as long as the process, so a
 * server object never outlives its record.
 */
#include "serverobject.h"
#include "tableobject.h"
#include "config.h"
#include "util.h"
#include "log.h"
#include "cleanups.h"
#include "interp.h"

#define SRV(self) ((server_rec *)((ServerObject *)(self))->head.rec)

PyObject *mp_server_new(mp_module_state *st, server_rec *s)
{
    ServerObject *o = PyObject_GC_New(ServerObject, st->server_type);

    if (!o) {
        return NULL;
    }
    o->head.rec = s;
    o->dict = NULL;
    o->next = NULL;
    PyObject_GC_Track(o);
    return (PyObject *)o;
}

static PyObject *Server_get_config(PyObject *self, PyObject *unused)
{
    mp_module_state *st = mp_module_state_of(Py_TYPE(self));

    return st ? mp_table_wrap(st, mp_config_server(SRV(self))->directives,
                              NULL) : NULL;
}

static PyObject *Server_get_options(PyObject *self, PyObject *unused)
{
    mp_module_state *st = mp_module_state_of(Py_TYPE(self));

    return st ? mp_table_wrap(st, mp_config_server(SRV(self))->options,
                              NULL) : NULL;
}

static PyObject *Server_log_error(PyObject *self, PyObject *args)
{
    PyObject *message;
    int level = 0;

    if (!PyArg_ParseTuple(args, "O|i:log_error", &message, &level)) {
        return NULL;
    }
    return mp_log_message(NULL, NULL, SRV(self), message, level);
}

static PyObject *Server_register_cleanup(PyObject *self, PyObject *args)
{
    mp_module_state *st = mp_module_state_of(Py_TYPE(self));
    PyObject *req, *callable, *data = Py_None;

    if (!st || !PyArg_ParseTuple(args, "OO|O:register_cleanup", &req,
                                 &callable, &data)) {
        return NULL;
    }
    if (!PyObject_TypeCheck(req, st->request_type)) {
        PyErr_SetString(PyExc_ValueError,
                        "first argument must be a request object");
        return NULL;
    }
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_ValueError,
                        "second argument must be a callable object");
        return NULL;
    }
    if (mp_cleanup_register_child(mp_interp_current()->name, SRV(self),
                                  callable, data) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ---- attributes ---- */

enum {
    S_NEXT, S_DEFN_NAME, S_DEFN_LINE, S_ADMIN, S_HOSTNAME, S_PORT,
    S_ERROR_FNAME, S_LOGLEVEL, S_IS_VIRTUAL, S_TIMEOUT, S_KA_TIMEOUT,
    S_KA_MAX, S_KA, S_PATH, S_PATHLEN, S_NAMES, S_WILD_NAMES,
    S_LIMIT_LINE, S_LIMIT_FIELDSIZE, S_LIMIT_FIELDS, S_GENERATION,
    S_RESTART_TIME, S_REC
};

static PyObject *Server_get(PyObject *self, void *closure)
{
    server_rec *s = SRV(self);
    ServerObject *o = (ServerObject *)self;

    switch ((int)(intptr_t)closure) {
    case S_NEXT:
        if (!s->next) {
            Py_RETURN_NONE;
        }
        if (!o->next) {
            mp_module_state *st = mp_module_state_of(Py_TYPE(self));

            if (!st || !(o->next = mp_server_new(st, s->next))) {
                return NULL;
            }
        }
        return Py_NewRef(o->next);
    case S_DEFN_NAME:
        return mp_str_out(s->defn_name);
    case S_DEFN_LINE:
        return PyLong_FromUnsignedLong(s->defn_line_number);
    case S_ADMIN:
        return mp_str_out(s->server_admin);
    case S_HOSTNAME:
        return mp_str_out(s->server_hostname);
    case S_PORT:
        return PyLong_FromLong(s->port);
    case S_ERROR_FNAME:
        return mp_str_out(s->error_fname);
    case S_LOGLEVEL:
        return PyLong_FromLong(s->log.level);
    case S_IS_VIRTUAL:
        return PyLong_FromLong(s->is_virtual);
    case S_TIMEOUT:
        return PyFloat_FromDouble(apr_time_as_msec(s->timeout) / 1000.0);
    case S_KA_TIMEOUT:
        return PyFloat_FromDouble(
            apr_time_as_msec(s->keep_alive_timeout) / 1000.0);
    case S_KA_MAX:
        return PyLong_FromLong(s->keep_alive_max);
    case S_KA:
        return PyLong_FromLong(s->keep_alive);
    case S_PATH:
        return mp_str_out(s->path);
    case S_PATHLEN:
        return PyLong_FromLong(s->pathlen);
    case S_NAMES:
        return mp_str_tuple(s->names);
    case S_WILD_NAMES:
        return mp_str_tuple(s->wild_names);
    case S_LIMIT_LINE:
        return PyLong_FromLong(s->limit_req_line);
    case S_LIMIT_FIELDSIZE:
        return PyLong_FromLong(s->limit_req_fieldsize);
    case S_LIMIT_FIELDS:
        return PyLong_FromLong(s->limit_req_fields);
    case S_GENERATION: {
        int gen = 0;

        ap_mpm_query(AP_MPMQ_GENERATION, &gen);
        return PyLong_FromLong(gen);
    }
    case S_RESTART_TIME:
        if (!ap_scoreboard_image) {
            return PyFloat_FromDouble(0.0);
        }
        return PyFloat_FromDouble(
            apr_time_sec((double)ap_scoreboard_image->global->restart_time));
    case S_REC:
        return PyCapsule_New(s, NULL, NULL);
    }
    PyErr_SetString(PyExc_AttributeError, "unknown server attribute");
    return NULL;
}

#define SRV_ATTR(name, id, doc) \
    {name, Server_get, NULL, doc, (void *)(intptr_t)(id)}

static PyGetSetDef Server_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict,
     "attributes set from Python", NULL},
    SRV_ATTR("next", S_NEXT, "next server record"),
    SRV_ATTR("defn_name", S_DEFN_NAME, "file the server was defined in"),
    SRV_ATTR("defn_line_number", S_DEFN_LINE, "line of that definition"),
    SRV_ATTR("server_admin", S_ADMIN, "ServerAdmin"),
    SRV_ATTR("server_hostname", S_HOSTNAME, "ServerName"),
    SRV_ATTR("port", S_PORT, "port from ServerName"),
    SRV_ATTR("error_fname", S_ERROR_FNAME, "ErrorLog"),
    SRV_ATTR("loglevel", S_LOGLEVEL, "LogLevel"),
    SRV_ATTR("is_virtual", S_IS_VIRTUAL, "1 for a <VirtualHost>"),
    SRV_ATTR("timeout", S_TIMEOUT, "Timeout in seconds"),
    SRV_ATTR("keep_alive_timeout", S_KA_TIMEOUT, "KeepAliveTimeout"),
    SRV_ATTR("keep_alive_max", S_KA_MAX, "MaxKeepAliveRequests"),
    SRV_ATTR("keep_alive", S_KA, "KeepAlive"),
    SRV_ATTR("path", S_PATH, "ServerPath"),
    SRV_ATTR("pathlen", S_PATHLEN, "length of ServerPath"),
    SRV_ATTR("names", S_NAMES, "ServerAlias names"),
    SRV_ATTR("wild_names", S_WILD_NAMES, "wildcard ServerAlias names"),
    SRV_ATTR("limit_req_line", S_LIMIT_LINE, "LimitRequestLine"),
    SRV_ATTR("limit_req_fieldsize", S_LIMIT_FIELDSIZE,
             "LimitRequestFieldSize"),
    SRV_ATTR("limit_req_fields", S_LIMIT_FIELDS, "LimitRequestFields"),
    SRV_ATTR("my_generation", S_GENERATION, "generation of this child"),
    SRV_ATTR("restart_time", S_RESTART_TIME, "time of the last restart"),
    SRV_ATTR("_server_rec", S_REC, "capsule of the server_rec"),
    {NULL}
};

static PyMemberDef Server_members[] = {
    {"__dictoffset__", MP_T_PYSSIZET, offsetof(ServerObject, dict), MP_READONLY},
    {NULL}
};

static PyMethodDef Server_methods[] = {
    {"get_config", Server_get_config, METH_NOARGS,
     "Server-level mod_python settings."},
    {"get_options", Server_get_options, METH_NOARGS,
     "Server-level PythonOption values."},
    {"log_error", Server_log_error, METH_VARARGS,
     "log_error(message[, level]): write to this server's error log."},
    {"register_cleanup", Server_register_cleanup, METH_VARARGS,
     "register_cleanup(req, callable[, data]): call at child exit."},
    {NULL}
};

static int Server_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(((ServerObject *)self)->dict);
    Py_VISIT(((ServerObject *)self)->next);
    return 0;
}

static int Server_clear(PyObject *self)
{
    Py_CLEAR(((ServerObject *)self)->dict);
    Py_CLEAR(((ServerObject *)self)->next);
    return 0;
}

static void Server_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    Server_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot Server_slots[] = {
    {Py_tp_getset, Server_getset},
    {Py_tp_members, Server_members},
    {Py_tp_methods, Server_methods},
    {Py_tp_traverse, Server_traverse},
    {Py_tp_clear, Server_clear},
    {Py_tp_dealloc, Server_dealloc},
    {0, NULL}
};

static PyType_Spec Server_spec = {
    .name = "mp_server",
    .basicsize = sizeof(ServerObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Server_slots,
};

int mp_server_type_init(PyObject *module, mp_module_state *st)
{
    st->server_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &Server_spec, NULL);
    return st->server_type ? 0 : -1;
}
