/*
 * mp_filter (request-object.md 6, FLT-*).
 */
#include "filterobject.h"
#include "interp.h"
#include "util.h"

#define FLT(self) ((FilterObject *)(self))

/* The ap_filter_t of a live invocation, or NULL with RuntimeError. */
static ap_filter_t *filter_rec(PyObject *self)
{
    if (mp_wrapper_gone(self)) {
        return NULL;
    }
    return (ap_filter_t *)FLT(self)->head.rec;
}

#define FILTER_OR_FAIL(f, self) \
    ap_filter_t *f = filter_rec(self); \
    if (!f) { return NULL; }

PyObject *mp_filter_new(mp_module_state *st, ap_filter_t *f,
                        mp_filter_ctx *ctx, apr_bucket_brigade *bb,
                        const mp_filter_input_args *in, PyObject *req,
                        const char *handler, const char *dir)
{
    FilterObject *o = PyObject_GC_New(FilterObject, st->filter_type);

    if (!o) {
        return NULL;
    }
    memset((char *)o + sizeof(PyObject), 0,
           sizeof(FilterObject) - sizeof(PyObject));
    o->head.rec = f;
    o->ctx = ctx;
    o->bb = bb;
    o->rc = APR_SUCCESS;
    o->is_input = in != NULL;
    if (in) {
        o->mode = in->mode;
        o->block = in->block;
        o->readbytes = in->readbytes;
    }
    o->req = Py_NewRef(req);
    o->name = mp_str_out(f->frec->name);
    o->handler = o->name ? mp_str_out(handler) : NULL;
    o->dir = o->handler ? mp_str_out(dir) : NULL;
    PyObject_GC_Track(o);
    if (!o->dir) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

PyObject *mp_filter_new_include(mp_module_state *st, ap_filter_t *f,
                                mp_filter_ctx *ctx, apr_bucket_brigade *bb,
                                PyObject *req)
{
    PyObject *o = mp_filter_new(st, f, ctx, bb, NULL, req, f->r->filename,
                                NULL);

    if (o) {
        FLT(o)->is_include = 1;
    }
    return o;
}

apr_status_t mp_filter_finish(PyObject *self)
{
    FilterObject *o = FLT(self);

    o->head.rec = NULL;
    o->bb = NULL;
    o->ctx = NULL;
    return o->rc;
}

apr_status_t mp_filter_pass(ap_filter_t *f, mp_filter_ctx *ctx,
                            apr_bucket_brigade *bb)
{
    apr_status_t rv;
    apr_bucket *b;

    if (APR_BRIGADE_EMPTY(bb)) {
        return APR_SUCCESS;
    }
    /* Whatever follows an end-of-stream would corrupt the response (a
     * second last-chunk, say): drop it, as httpd's own filters do. */
    if (ctx->eos_sent) {
        apr_brigade_cleanup(bb);
        return APR_SUCCESS;
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        if (APR_BUCKET_IS_EOS(b)) {
            ctx->eos_sent = 1;
            break;
        }
    }
    rv = ap_pass_brigade(f->next, bb);
    apr_brigade_cleanup(bb);
    return rv;
}

/* Output: the brigade write() fills, made on first use. */
static apr_bucket_brigade *out_brigade(FilterObject *o, ap_filter_t *f)
{
    if (o->is_input || o->is_include) {
        return o->bb;
    }
    if (!o->ctx->bb_out) {
        o->ctx->bb_out = apr_brigade_create(f->r->pool, f->c->bucket_alloc);
    }
    return o->ctx->bb_out;
}

/* Input: the brigade of data fetched upstream and not yet read. */
static apr_bucket_brigade *in_brigade(FilterObject *o, ap_filter_t *f)
{
    if (!o->is_input) {
        return o->bb;
    }
    if (!o->ctx->bb_in) {
        o->ctx->bb_in = apr_brigade_create(f->r->pool, f->c->bucket_alloc);
    }
    return o->ctx->bb_in;
}

/* ------------------------------------------------------------------
 * Reading
 */

/* Bytes gathered by a read, in malloc'ed memory. */
typedef struct {
    char *buf;
    apr_size_t len, cap;
} gathered;

static int gather(gathered *g, const char *data, apr_size_t n)
{
    if (g->len + n > g->cap) {
        apr_size_t cap = g->cap ? g->cap : 8192;
        char *grown;

        while (cap < g->len + n) {
            cap *= 2;
        }
        if (!(grown = realloc(g->buf, cap))) {
            return -1;
        }
        g->buf = grown;
        g->cap = cap;
    }
    memcpy(g->buf + g->len, data, n);
    g->len += n;
    return 0;
}

/* Outcomes of read_brigade(). */
enum { READ_DATA, READ_EOS, READ_NOMEM, READ_FAILED };

/*
 * Take up to `limit` bytes (all when negative; through the first newline
 * when `line`) from the filter's source brigade, stopping at a FLUSH
 * (FLT-read).  Other metadata is forwarded in order as met.  GIL not
 * held.
 */
static int read_brigade(FilterObject *o, ap_filter_t *f,
                        apr_bucket_brigade *src, apr_off_t limit, int line,
                        gathered *g)
{
    apr_bucket_brigade *dst = out_brigade(o, f);
    apr_status_t rv;

    if (o->is_input && APR_BRIGADE_EMPTY(src)) {
        rv = ap_get_brigade(f->next, src, o->mode, o->block, o->readbytes);
        o->fetched++;
        o->consumed++;
        o->rc = rv;
        if (APR_STATUS_IS_EAGAIN(rv)) {
            return READ_DATA;           /* nothing yet: b"" */
        }
        if (rv == APR_EOF) {
            /* Some filters end the stream with a status, not a bucket. */
            o->rc = APR_SUCCESS;
            o->consumed++;
            return READ_EOS;
        }
        if (rv != APR_SUCCESS) {
            return READ_FAILED;
        }
    }
    while (limit < 0 || (apr_off_t)g->len < limit) {
        apr_bucket *b;
        const char *data;
        apr_size_t n;
        int stop = 0;

        if (APR_BRIGADE_EMPTY(src)) {
            break;
        }
        b = APR_BRIGADE_FIRST(src);
        if (APR_BUCKET_IS_EOS(b)) {
            if (g->len == 0) {
                apr_bucket_delete(b);
                o->consumed++;
                return READ_EOS;
            }
            break;
        }
        if (APR_BUCKET_IS_FLUSH(b)) {
            /* Output: a FLUSH ends what this invocation sees; the caller
             * goes on with the data behind it.  Input: nothing else would
             * ever move it, so it goes to the reader in order. */
            if (g->len || !o->is_input) {
                break;
            }
            APR_BUCKET_REMOVE(b);
            APR_BRIGADE_INSERT_TAIL(dst, b);
            o->consumed++;
            continue;
        }
        if (APR_BUCKET_IS_METADATA(b)) {
            APR_BUCKET_REMOVE(b);
            APR_BRIGADE_INSERT_TAIL(dst, b);
            o->consumed++;
            continue;
        }
        rv = apr_bucket_read(b, &data, &n, APR_BLOCK_READ);
        if (rv != APR_SUCCESS) {
            o->rc = rv;
            return READ_FAILED;
        }
        if (limit >= 0 && (apr_off_t)n > limit - (apr_off_t)g->len) {
            n = (apr_size_t)(limit - (apr_off_t)g->len);
        }
        if (line) {
            const char *nl = memchr(data, '\n', n);

            if (nl) {
                n = nl - data + 1;
                stop = 1;
            }
        }
        if (gather(g, data, n) < 0) {
            return READ_NOMEM;
        }
        /* apr_bucket_read() may have morphed b (a file into heap + rest):
         * its length is now exact. */
        if (n < b->length) {
            apr_bucket_split(b, n);
        }
        apr_bucket_delete(b);
        o->consumed++;
        if (stop) {
            break;
        }
    }
    return READ_DATA;
}

static PyObject *filter_read(PyObject *self, PyObject *args, int line)
{
    FILTER_OR_FAIL(f, self);
    FilterObject *o = FLT(self);
    Py_ssize_t length = -1;
    gathered g = {NULL, 0, 0};
    PyObject *result = NULL;
    int outcome;

    if (!PyArg_ParseTuple(args, line ? "|n:readline" : "|n:read",
                          &length)) {
        return NULL;
    }
    if (o->closed) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on closed filter");
        return NULL;
    }
    if (length == 0) {
        return PyBytes_FromStringAndSize(NULL, 0);
    }
    MP_BLOCKING_BEGIN
    outcome = read_brigade(o, f, in_brigade(o, f), length < 0 ? -1
                           : (apr_off_t)length, line, &g);
    MP_BLOCKING_END
    switch (outcome) {
    case READ_DATA:
        result = PyBytes_FromStringAndSize(g.buf, g.len);
        break;
    case READ_EOS:
        o->saw_eos = 1;
        result = Py_NewRef(Py_None);
        break;
    case READ_NOMEM:
        PyErr_NoMemory();
        break;
    default:
        PyErr_SetString(PyExc_OSError, o->is_input
                        ? "Input filter read error" : "Filter read error");
        break;
    }
    free(g.buf);
    return result;
}

static PyObject *Filter_read(PyObject *self, PyObject *args)
{
    return filter_read(self, args, 0);
}

static PyObject *Filter_readline(PyObject *self, PyObject *args)
{
    return filter_read(self, args, 1);
}

/* ------------------------------------------------------------------
 * Writing
 */

static PyObject *Filter_write(PyObject *self, PyObject *data)
{
    FILTER_OR_FAIL(f, self);
    FilterObject *o = FLT(self);
    Py_buffer view;
    apr_status_t rv = APR_SUCCESS;

    if (o->closed) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on closed filter");
        return NULL;
    }
    if (mp_body_data(data, &view) < 0) {
        return NULL;
    }
    /* The bytes are copied: the Python object may go away long before
     * the brigade is sent. */
    if (view.len > 0) {
        rv = apr_brigade_write(out_brigade(o, f), NULL, NULL, view.buf,
                               view.len);
    }
    PyBuffer_Release(&view);
    if (rv != APR_SUCCESS) {
        return PyErr_NoMemory();
    }
    Py_RETURN_NONE;
}

static PyObject *Filter_flush(PyObject *self, PyObject *unused)
{
    FILTER_OR_FAIL(f, self);
    FilterObject *o = FLT(self);
    apr_bucket_brigade *out = out_brigade(o, f);
    apr_status_t rv = APR_SUCCESS;

    APR_BRIGADE_INSERT_TAIL(out, apr_bucket_flush_create(f->c->bucket_alloc));
    if (!o->is_input && !o->is_include) {
        MP_BLOCKING_BEGIN
        rv = mp_filter_pass(f, o->ctx, out);
        MP_BLOCKING_END
        o->rc = rv;
    }
    if (rv != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "Flush failed.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *Filter_close(PyObject *self, PyObject *unused)
{
    FILTER_OR_FAIL(f, self);
    FilterObject *o = FLT(self);
    apr_bucket_brigade *out;

    if (o->closed) {
        Py_RETURN_NONE;
    }
    o->closed = 1;
    if (o->is_include) {
        Py_RETURN_NONE;     /* the page goes on after the element */
    }
    out = out_brigade(o, f);
    APR_BRIGADE_INSERT_TAIL(out, apr_bucket_eos_create(f->c->bucket_alloc));
    if (!o->is_input) {
        apr_status_t rv;

        MP_BLOCKING_BEGIN
        rv = mp_filter_pass(f, o->ctx, out);
        MP_BLOCKING_END
        o->rc = rv;
    }
    Py_RETURN_NONE;
}

static PyObject *Filter_pass_on(PyObject *self, PyObject *unused)
{
    FILTER_OR_FAIL(f, self);
    FilterObject *o = FLT(self);
    apr_status_t rv;

    MP_BLOCKING_BEGIN
    if (!o->is_input) {
        /* What was written so far goes first, then the incoming data. */
        apr_bucket_brigade *out = out_brigade(o, f);

        APR_BRIGADE_CONCAT(out, o->bb);
        rv = mp_filter_pass(f, o->ctx, out);
    }
    else if (o->ctx->bb_in && !APR_BRIGADE_EMPTY(o->ctx->bb_in)) {
        /* Data fetched earlier and not read belongs to the caller. */
        APR_BRIGADE_CONCAT(o->bb, o->ctx->bb_in);
        rv = APR_SUCCESS;
    }
    else {
        rv = ap_get_brigade(f->next, o->bb, o->mode, o->block,
                            o->readbytes);
        o->fetched++;
    }
    MP_BLOCKING_END
    o->rc = rv;
    o->consumed++;
    Py_RETURN_NONE;
}

static PyObject *Filter_disable(PyObject *self, PyObject *unused)
{
    FILTER_OR_FAIL(f, self);

    FLT(self)->ctx->transparent = 1;
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------
 * Attributes
 */

static PyObject *Filter_get(PyObject *self, void *closure)
{
    FilterObject *o = FLT(self);
    const char *which = closure;
    PyObject *v;

    switch (which[0]) {
    case 'c':
        return PyLong_FromLong(o->closed);
    case 'i':
        return PyLong_FromLong(o->is_input);
    case 's':
        return PyLong_FromLong(o->softspace);
    case 'n':
        v = o->name;
        break;
    case 'r':
        v = o->req;
        break;
    case 'h':
        v = o->handler;
        break;
    default:
        v = o->dir;
        break;
    }
    return Py_NewRef(v ? v : Py_None);
}

static int Filter_set_softspace(PyObject *self, PyObject *value,
                                void *closure)
{
    long v = PyLong_AsLong(value);

    if (v == -1 && PyErr_Occurred()) {
        return -1;
    }
    FLT(self)->softspace = v != 0;
    return 0;
}

/* Every deletion gets the same answer (FLT-attr-other). */
static int Filter_setattro(PyObject *self, PyObject *name, PyObject *value)
{
    if (!value) {
        PyErr_SetString(PyExc_AttributeError,
                        "can't delete filter attributes");
        return -1;
    }
    return PyObject_GenericSetAttr(self, name, value);
}

static PyGetSetDef Filter_getset[] = {
    {"closed", Filter_get, NULL, "1 once close() was called", "c"},
    {"name", Filter_get, NULL, "httpd name of the filter (lower case)",
     "n"},
    {"req", Filter_get, NULL, "the request object", "r"},
    {"is_input", Filter_get, NULL, "1 for an input filter", "i"},
    {"handler", Filter_get, NULL, "the handler spec", "h"},
    {"dir", Filter_get, NULL, "directory the filter was configured for",
     "d"},
    {"softspace", Filter_get, Filter_set_softspace,
     "legacy print support", "s"},
    {NULL}
};

static PyMethodDef Filter_methods[] = {
    {"read", Filter_read, METH_VARARGS,
     "read([length]) -> bytes, or None at end of stream"},
    {"readline", Filter_readline, METH_VARARGS,
     "readline([length]) -> bytes, or None at end of stream"},
    {"write", Filter_write, METH_O, "write(data): queue data"},
    {"flush", Filter_flush, METH_NOARGS, "Send what was written on."},
    {"close", Filter_close, METH_NOARGS, "End the stream."},
    {"pass_on", Filter_pass_on, METH_NOARGS,
     "Pass the data on unchanged."},
    {"disable", Filter_disable, METH_NOARGS,
     "Pass everything through from now on."},
    {NULL}
};

static int Filter_traverse(PyObject *self, visitproc visit, void *arg)
{
    FilterObject *o = FLT(self);

    Py_VISIT(Py_TYPE(self));
    Py_VISIT(o->req);
    Py_VISIT(o->name);
    Py_VISIT(o->handler);
    Py_VISIT(o->dir);
    return 0;
}

static int Filter_clear(PyObject *self)
{
    FilterObject *o = FLT(self);

    Py_CLEAR(o->req);
    Py_CLEAR(o->name);
    Py_CLEAR(o->handler);
    Py_CLEAR(o->dir);
    return 0;
}

static void Filter_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    Filter_clear(self);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

static PyType_Slot Filter_slots[] = {
    {Py_tp_getset, Filter_getset},
    {Py_tp_methods, Filter_methods},
    {Py_tp_setattro, Filter_setattro},
    {Py_tp_traverse, Filter_traverse},
    {Py_tp_clear, Filter_clear},
    {Py_tp_dealloc, Filter_dealloc},
    {0, NULL}
};

static PyType_Spec Filter_spec = {
    .name = "mp_filter",
    .basicsize = sizeof(FilterObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Filter_slots,
};

int mp_filter_type_init(PyObject *module, mp_module_state *st)
{
    st->filter_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &Filter_spec, NULL);
    return st->filter_type ? 0 : -1;
}
