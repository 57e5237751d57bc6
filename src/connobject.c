/*
 * mp_conn (CONN-*).
 */
#include "connobject.h"
#include "serverobject.h"
#include "tableobject.h"
#include "interp.h"
#include "util.h"
#include "log.h"

#define CONN(self) ((ConnObject *)(self))

/* The largest chunk read() returns when no length is asked for. */
#define MP_CONN_CHUNK 8192

static conn_rec *conn_rec_of(PyObject *self)
{
    if (mp_wrapper_gone(self)) {
        return NULL;
    }
    return (conn_rec *)CONN(self)->head.rec;
}

#define CONN_OR_FAIL(c, self, fail) \
    conn_rec *c = conn_rec_of((PyObject *)(self)); \
    if (!c) { return fail; }

PyObject *mp_conn_new(mp_module_state *st, conn_rec *c)
{
    ConnObject *o = PyObject_GC_New(ConnObject, st->conn_type);

    if (!o) {
        return NULL;
    }
    o->head.rec = c;
    o->base_server = NULL;
    o->notes = NULL;
    o->hlist = NULL;
    PyObject_GC_Track(o);
    return (PyObject *)o;
}

static int Conn_clear(PyObject *self)
{
    Py_CLEAR(CONN(self)->base_server);
    Py_CLEAR(CONN(self)->notes);
    Py_CLEAR(CONN(self)->hlist);
    return 0;
}

void mp_conn_finish(PyObject *self)
{
    CONN(self)->head.rec = NULL;
    Conn_clear(self);
}

/* b"".join(parts); steals nothing. */
static PyObject *join_parts(PyObject *parts)
{
    PyObject *empty = PyBytes_FromStringAndSize(NULL, 0), *all;

    if (!empty) {
        return NULL;
    }
    all = PyObject_CallMethod(empty, "join", "(O)", parts);
    Py_DECREF(empty);
    return all;
}

/*
 * Read from the connection's input filters in `mode`, at most `len`
 * bytes (0: whatever arrives first, up to MP_CONN_CHUNK).  Returns bytes,
 * or None at the end of the stream.
 */
static PyObject *conn_read(PyObject *self, ap_input_mode_t mode,
                           apr_off_t len)
{
    CONN_OR_FAIL(c, self, NULL);
    apr_bucket_brigade *bb;
    apr_status_t rv;
    apr_off_t length = 0;
    apr_size_t size;
    PyObject *result;
    char *out;

    if (len <= 0) {
        len = MP_CONN_CHUNK;
    }
    bb = apr_brigade_create(c->pool, c->bucket_alloc);
    MP_BLOCKING_BEGIN
    rv = ap_get_brigade(c->input_filters, bb, mode, APR_BLOCK_READ, len);
    if (rv == APR_SUCCESS) {
        rv = apr_brigade_length(bb, 1, &length);
    }
    MP_BLOCKING_END
    size = (apr_size_t)length;
    if (rv == APR_EOF || (rv == APR_SUCCESS && size == 0
                          && !APR_BRIGADE_EMPTY(bb)
                          && APR_BUCKET_IS_EOS(APR_BRIGADE_FIRST(bb)))) {
        apr_brigade_destroy(bb);
        Py_RETURN_NONE;
    }
    if (rv != APR_SUCCESS) {
        apr_brigade_destroy(bb);
        PyErr_SetString(PyExc_OSError, "Connection read error");
        return NULL;
    }
    if (size == 0) {
        apr_brigade_destroy(bb);
        Py_RETURN_NONE;
    }
    if (!(result = PyBytes_FromStringAndSize(NULL, size))) {
        apr_brigade_destroy(bb);
        return NULL;
    }
    out = PyBytes_AS_STRING(result);
    apr_brigade_flatten(bb, out, &size);
    apr_brigade_destroy(bb);
    if ((Py_ssize_t)size != PyBytes_GET_SIZE(result)
        && _PyBytes_Resize(&result, size) < 0) {
        return NULL;
    }
    return result;
}

static PyObject *Conn_read(PyObject *self, PyObject *args)
{
    long long len = 0;

    if (!PyArg_ParseTuple(args, "|L:read", &len)) {
        return NULL;
    }
    if (len == -1) {
        /* Exhaustive: gather until the peer closes (CONN-read). */
        PyObject *parts = PyList_New(0), *chunk, *all;

        if (!parts) {
            return NULL;
        }
        while ((chunk = conn_read(self, AP_MODE_READBYTES, 0))
               && chunk != Py_None) {
            if (PyList_Append(parts, chunk) < 0) {
                Py_DECREF(chunk);
                Py_DECREF(parts);
                return NULL;
            }
            Py_DECREF(chunk);
        }
        if (!chunk) {
            Py_DECREF(parts);
            return NULL;
        }
        Py_DECREF(chunk);
        if (PyList_GET_SIZE(parts) == 0) {
            Py_DECREF(parts);
            Py_RETURN_NONE;
        }
        all = join_parts(parts);
        Py_DECREF(parts);
        return all;
    }
    return conn_read(self, AP_MODE_READBYTES, len);
}

/*
 * One line of at most `limit` bytes.  httpd's line mode has no limit of
 * its own below HUGE_STRING_LEN, and cutting what it returned would lose
 * the rest of the line; so peek at what has arrived (speculative mode)
 * and consume only up to the newline or the limit.
 */
static PyObject *conn_readline_limited(PyObject *self, apr_off_t limit)
{
    PyObject *parts = PyList_New(0), *peek, *part, *line;
    apr_off_t got = 0;
    int line_end = 0;

    if (!parts) {
        return NULL;
    }
    while (got < limit && !line_end) {
        Py_ssize_t want;
        const char *nl;
        int has_nl;

        if (!(peek = conn_read(self, AP_MODE_SPECULATIVE, limit - got))) {
            goto error;
        }
        if (peek == Py_None) {
            Py_DECREF(peek);
            break;
        }
        want = PyBytes_GET_SIZE(peek);
        nl = memchr(PyBytes_AS_STRING(peek), '\n', want);
        if ((has_nl = nl != NULL)) {
            want = nl - PyBytes_AS_STRING(peek) + 1;
        }
        Py_DECREF(peek);
        if (!(part = conn_read(self, AP_MODE_READBYTES, want))) {
            goto error;
        }
        if (part == Py_None) {
            Py_DECREF(part);
            break;
        }
        got += PyBytes_GET_SIZE(part);
        /* (A short read leaves the newline for the next round.) */
        line_end = has_nl && PyBytes_GET_SIZE(part) == want;
        if (PyList_Append(parts, part) < 0) {
            Py_DECREF(part);
            goto error;
        }
        Py_DECREF(part);
    }
    if (PyList_GET_SIZE(parts) == 0) {
        Py_DECREF(parts);
        Py_RETURN_NONE;
    }
    line = join_parts(parts);
    Py_DECREF(parts);
    return line;

error:
    Py_DECREF(parts);
    return NULL;
}

static PyObject *Conn_readline(PyObject *self, PyObject *args)
{
    long long len = 0;

    if (!PyArg_ParseTuple(args, "|L:readline", &len)) {
        return NULL;
    }
    if (len > 0) {
        return conn_readline_limited(self, len);
    }
    return conn_read(self, AP_MODE_GETLINE, HUGE_STRING_LEN);
}

static PyObject *Conn_write(PyObject *self, PyObject *args)
{
    CONN_OR_FAIL(c, self, NULL);
    PyObject *data;
    Py_buffer view;

    if (!PyArg_ParseTuple(args, "O:write", &data)
        || mp_body_data(data, &view) < 0) {
        return NULL;
    }
    if (view.len > 0) {
        apr_bucket_brigade *bb = apr_brigade_create(c->pool,
                                                    c->bucket_alloc);

        /* Copied into the brigade: the buffer is released before the
         * data necessarily leaves. */
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_heap_create(
            view.buf, view.len, NULL, c->bucket_alloc));
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_flush_create(
            c->bucket_alloc));
        MP_BLOCKING_BEGIN
        ap_pass_brigade(c->output_filters, bb);
        apr_brigade_destroy(bb);
        MP_BLOCKING_END
    }
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyObject *Conn_log_error(PyObject *self, PyObject *args)
{
    CONN_OR_FAIL(c, self, NULL);
    PyObject *message;
    int level = 0;

    if (!PyArg_ParseTuple(args, "O|i:log_error", &message, &level)) {
        return NULL;
    }
    return mp_log_message(NULL, c, NULL, message, level);
}

/* ---- attributes ---- */

static PyObject *addr_tuple(apr_sockaddr_t *addr)
{
    char *ip = NULL;

    if (!addr) {
        Py_RETURN_NONE;
    }
    apr_sockaddr_ip_get(&ip, addr);
    return Py_BuildValue("(Ni)", mp_str_out(ip), (int)addr->port);
}

enum {
    C_BASE_SERVER, C_LOCAL_ADDR, C_CLIENT_ADDR, C_CLIENT_IP, C_REMOTE_ADDR,
    C_REMOTE_IP, C_REMOTE_HOST, C_REMOTE_LOGNAME, C_ABORTED, C_KEEPALIVE,
    C_DOUBLE_REVERSE, C_KEEPALIVES, C_LOCAL_IP, C_LOCAL_HOST, C_ID,
    C_NOTES, C_HLIST, C_REC
};

static PyObject *Conn_get(PyObject *self, void *closure)
{
    CONN_OR_FAIL(c, self, NULL);
    ConnObject *o = CONN(self);
    mp_module_state *st;
    int id = (int)(intptr_t)closure;

    switch (id) {
    case C_BASE_SERVER:
        if (!c->base_server) {
            Py_RETURN_NONE;
        }
        if (!o->base_server) {
            if (!(st = mp_module_state_of(Py_TYPE(self)))
                || !(o->base_server = mp_server_new(st, c->base_server))) {
                return NULL;
            }
        }
        return Py_NewRef(o->base_server);
    case C_REMOTE_ADDR:
    case C_REMOTE_IP:
        ap_log_cerror(APLOG_MARK, APLOG_WARNING, 0, c, MP_LOGNO(0030)
                      "mod_python: conn.%s is deprecated, use conn.%s",
                      id == C_REMOTE_ADDR ? "remote_addr" : "remote_ip",
                      id == C_REMOTE_ADDR ? "client_addr" : "client_ip");
        if (id == C_REMOTE_IP) {
            return mp_str_out(c->client_ip);
        }
        /* fall through */
    case C_CLIENT_ADDR:
        return addr_tuple(c->client_addr);
    case C_LOCAL_ADDR:
        return addr_tuple(c->local_addr);
    case C_CLIENT_IP:
        return mp_str_out(c->client_ip);
    case C_REMOTE_HOST:
        return mp_str_out(c->remote_host);
    case C_REMOTE_LOGNAME:
        return mp_str_out(c->remote_logname);
    case C_ABORTED:
        return PyLong_FromLong(c->aborted);
    case C_KEEPALIVE:
        return PyLong_FromLong(c->keepalive);
    case C_DOUBLE_REVERSE:
        return PyLong_FromLong(c->double_reverse);
    case C_KEEPALIVES:
        return PyLong_FromLong(c->keepalives);
    case C_LOCAL_IP:
        return mp_str_out(c->local_ip);
    case C_LOCAL_HOST:
        return mp_str_out(c->local_host);
    case C_ID:
        return PyLong_FromLong(c->id);
    case C_NOTES:
        if (!o->notes) {
            if (!(st = mp_module_state_of(Py_TYPE(self)))
                || !(o->notes = mp_table_wrap(st, c->notes, self))) {
                return NULL;
            }
        }
        return Py_NewRef(o->notes);
    case C_HLIST:
        return Py_NewRef(o->hlist ? o->hlist : Py_None);
    case C_REC:
        return PyCapsule_New(c, NULL, NULL);
    }
    PyErr_SetString(PyExc_AttributeError, "unknown connection attribute");
    return NULL;
}

static int Conn_set_keepalive(PyObject *self, PyObject *value, void *unused)
{
    CONN_OR_FAIL(c, self, -1);
    long v;

    if (!value) {
        PyErr_SetString(PyExc_AttributeError,
                        "can't delete connection attributes");
        return -1;
    }
    if (!PyLong_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "keepalive must be a integer");
        return -1;
    }
    if ((v = PyLong_AsLong(value)) == -1 && PyErr_Occurred()) {
        return -1;
    }
    c->keepalive = (ap_conn_keepalive_e)v;
    return 0;
}

#define CONN_ATTR(name, id, doc) \
    {name, Conn_get, NULL, doc, (void *)(intptr_t)(id)}

static PyGetSetDef Conn_getset[] = {
    CONN_ATTR("base_server", C_BASE_SERVER, "server chosen by address"),
    CONN_ATTR("local_addr", C_LOCAL_ADDR, "(ip, port) of the server side"),
    CONN_ATTR("client_addr", C_CLIENT_ADDR, "(ip, port) of the peer"),
    CONN_ATTR("client_ip", C_CLIENT_IP, "IP of the peer"),
    CONN_ATTR("remote_addr", C_REMOTE_ADDR, "deprecated: client_addr"),
    CONN_ATTR("remote_ip", C_REMOTE_IP, "deprecated: client_ip"),
    CONN_ATTR("remote_host", C_REMOTE_HOST, "DNS name of the client"),
    CONN_ATTR("remote_logname", C_REMOTE_LOGNAME, "ident name"),
    CONN_ATTR("aborted", C_ABORTED, "1 if the connection was aborted"),
    {"keepalive", Conn_get, Conn_set_keepalive, "AP_CONN_* value",
     (void *)(intptr_t)C_KEEPALIVE},
    CONN_ATTR("double_reverse", C_DOUBLE_REVERSE, "double reverse DNS"),
    CONN_ATTR("keepalives", C_KEEPALIVES, "requests served on it"),
    CONN_ATTR("local_ip", C_LOCAL_IP, "IP of the server side"),
    CONN_ATTR("local_host", C_LOCAL_HOST, "DNS name of the server side"),
    CONN_ATTR("id", C_ID, "connection id"),
    CONN_ATTR("notes", C_NOTES, "per-connection notes"),
    CONN_ATTR("hlist", C_HLIST, "handler list of a connection handler"),
    CONN_ATTR("_conn_rec", C_REC, "capsule of the conn_rec"),
    {NULL}
};

static PyMethodDef Conn_methods[] = {
    {"read", Conn_read, METH_VARARGS, "read([length]): read bytes."},
    {"readline", Conn_readline, METH_VARARGS,
     "readline([length]): read a line."},
    {"write", Conn_write, METH_VARARGS, "write(data): send and flush."},
    {"log_error", Conn_log_error, METH_VARARGS,
     "log_error(message[, level])"},
    {NULL}
};

static int Conn_setattro(PyObject *self, PyObject *name, PyObject *value)
{
    if (!value) {
        PyErr_SetString(PyExc_AttributeError,
                        "can't delete connection attributes");
        return -1;
    }
    return PyObject_GenericSetAttr(self, name, value);
}

static int Conn_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(CONN(self)->base_server);
    Py_VISIT(CONN(self)->notes);
    Py_VISIT(CONN(self)->hlist);
    return 0;
}

static void Conn_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    Conn_clear(self);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

static PyType_Slot Conn_slots[] = {
    {Py_tp_getset, Conn_getset},
    {Py_tp_methods, Conn_methods},
    {Py_tp_setattro, Conn_setattro},
    {Py_tp_traverse, Conn_traverse},
    {Py_tp_clear, Conn_clear},
    {Py_tp_dealloc, Conn_dealloc},
    {0, NULL}
};

static PyType_Spec Conn_spec = {
    .name = "mp_conn",
    .basicsize = sizeof(ConnObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Conn_slots,
};

int mp_conn_type_init(PyObject *module, mp_module_state *st)
{
    st->conn_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &Conn_spec, NULL);
    return st->conn_type ? 0 : -1;
}
