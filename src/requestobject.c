/*
 * mp_request (request-object.md 1).
 */
#include "requestobject.h"
#include "tableobject.h"
#include "serverobject.h"
#include "connobject.h"
#include "handlers.h"
#include "interp.h"
#include "config.h"
#include "util.h"

#define REQ(self) ((RequestObject *)(self))

/* Size of the reads made on behalf of read() and readline(). */
#define MP_READ_CHUNK 8192

request_rec *mp_request_rec(PyObject *self)
{
    if (mp_wrapper_gone(self)) {
        return NULL;
    }
    return (request_rec *)REQ(self)->head.rec;
}

#define REC_OR_FAIL(r, self, fail) \
    request_rec *r = mp_request_rec((PyObject *)(self)); \
    if (!r) { return fail; }

PyObject *mp_request_new(mp_module_state *st, request_rec *r,
                         const char *interp_name)
{
    RequestObject *o = PyObject_GC_New(RequestObject, st->request_type);

    if (!o) {
        return NULL;
    }
    memset((char *)o + sizeof(PyObject), 0,
           sizeof(RequestObject) - sizeof(PyObject));
    o->head.rec = r;
    o->phase = Py_NewRef(Py_None);
    o->interpreter = interp_name;
    PyObject_GC_Track(o);
    return (PyObject *)o;
}

static int Request_clear(PyObject *self)
{
    RequestObject *o = REQ(self);

    Py_CLEAR(o->dict);
    Py_CLEAR(o->connection);
    Py_CLEAR(o->server);
    Py_CLEAR(o->next);
    Py_CLEAR(o->prev);
    Py_CLEAR(o->main);
    Py_CLEAR(o->headers_in);
    Py_CLEAR(o->headers_out);
    Py_CLEAR(o->err_headers_out);
    Py_CLEAR(o->subprocess_env);
    Py_CLEAR(o->notes);
    Py_CLEAR(o->config);
    Py_CLEAR(o->options);
    Py_CLEAR(o->hlist);
    Py_CLEAR(o->phase);
    Py_CLEAR(o->cleanups);
    return 0;
}

void mp_request_finish(PyObject *self)
{
    RequestObject *o = REQ(self);

    if (o->connection) {
        mp_conn_finish(o->connection);
    }
    o->head.rec = NULL;
    free(o->rbuf);
    o->rbuf = NULL;
    o->rbuf_len = o->rbuf_pos = 0;
    /* Break the cycles through the instance dict now rather than wait
     * for the collector; the record is gone anyway. */
    Request_clear(self);
    o->phase = Py_NewRef(Py_None);
}

/* ------------------------------------------------------------------
 * Writing
 */

static PyObject *Request_write(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    PyObject *data;
    int flush = 1, rc = 0;
    Py_buffer view;

    if (!PyArg_ParseTuple(args, "O|i:write", &data, &flush)
        || mp_body_data(data, &view) < 0) {
        return NULL;
    }
    if (view.len > 0) {
        MP_BLOCKING_BEGIN
        rc = ap_rwrite(view.buf, (int)view.len, r);
        if (rc != -1 && flush) {
            rc = ap_rflush(r);
        }
        MP_BLOCKING_END
        REQ(self)->bytes_queued += view.len;
    }
    PyBuffer_Release(&view);
    if (rc == -1) {
        PyErr_SetString(PyExc_OSError,
                        "Write failed, client closed connection.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *Request_flush(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    int rc;

    MP_BLOCKING_BEGIN
    rc = ap_rflush(r);
    MP_BLOCKING_END
    if (rc == -1) {
        PyErr_SetString(PyExc_OSError,
                        "Flush failed, client closed connection.");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------
 * Reading the request body
 */

/* Raise SERVER_RETURN(status). */
static void server_return(PyObject *self, int status)
{
    mp_module_state *st = mp_module_state_of(Py_TYPE(self));

    if (st) {
        PyObject *v = PyLong_FromLong(status);

        if (v) {
            PyErr_SetObject(st->server_return, v);
            Py_DECREF(v);
        }
    }
}

/*
 * Read up to `n` body bytes into `buf`.  Returns the count, 0 at the end
 * of the body, -1 with an exception set.  Chunked bodies are de-chunked
 * (REQ-read: build instead).
 */
static long read_block(PyObject *self, request_rec *r, char *buf,
                       apr_size_t n)
{
    RequestObject *o = REQ(self);
    long got;

    if (o->body_state == 0) {
        int rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);

        if (rc != OK) {
            server_return(self, rc);
            return -1;
        }
        o->body_state = ap_should_client_block(r) ? 1 : 2;
    }
    if (o->body_state == 2 || n == 0) {
        return 0;
    }
    MP_BLOCKING_BEGIN
    got = ap_get_client_block(r, buf, n);
    MP_BLOCKING_END
    if (got < 0) {
        PyErr_SetString(PyExc_OSError, "Client read error (Timeout?)");
        return -1;
    }
    if (got == 0) {
        o->body_state = 2;
    }
    return got;
}

/* Take up to `n` bytes of readline's look-ahead into `dst`. */
static apr_size_t take_buffered(RequestObject *o, char *dst, apr_size_t n)
{
    apr_size_t avail = o->rbuf_len - o->rbuf_pos;

    if (n > avail) {
        n = avail;
    }
    memcpy(dst, o->rbuf + o->rbuf_pos, n);
    o->rbuf_pos += n;
    return n;
}

static PyObject *Request_read(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    RequestObject *o = REQ(self);
    Py_ssize_t want = -1, have = 0, size;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "|n:read", &want)) {
        return NULL;
    }
    if (want == 0) {
        return PyBytes_FromStringAndSize(NULL, 0);
    }
    /* Grow as data arrives: never allocate a whole Content-Length up
     * front, which a client could set to anything. */
    size = (want > 0 && want < MP_READ_CHUNK * 8) ? want : MP_READ_CHUNK * 8;
    if (!(result = PyBytes_FromStringAndSize(NULL, size))) {
        return NULL;
    }
    have = take_buffered(o, PyBytes_AS_STRING(result), size);
    while (want < 0 || have < want) {
        apr_size_t room;
        long got;

        if (have == size) {
            Py_ssize_t bigger = size * 2;

            if (want > 0 && bigger > want) {
                bigger = want;
            }
            if (_PyBytes_Resize(&result, bigger) < 0) {
                return NULL;
            }
            size = bigger;
        }
        room = size - have;
        got = read_block(self, r, PyBytes_AS_STRING(result) + have, room);
        if (got < 0) {
            Py_DECREF(result);
            return NULL;
        }
        if (got == 0) {
            break;
        }
        have += got;
    }
    if (have != size && _PyBytes_Resize(&result, have) < 0) {
        return NULL;
    }
    return result;
}

/* Refill readline's look-ahead; 0 at end of body, -1 on error. */
static long fill_buffer(PyObject *self, request_rec *r)
{
    RequestObject *o = REQ(self);
    long got;

    if (!o->rbuf && !(o->rbuf = malloc(MP_READ_CHUNK))) {
        PyErr_NoMemory();
        return -1;
    }
    got = read_block(self, r, o->rbuf, MP_READ_CHUNK);
    o->rbuf_pos = 0;
    o->rbuf_len = got > 0 ? (apr_size_t)got : 0;
    return got;
}

static PyObject *Request_readline(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    RequestObject *o = REQ(self);
    Py_ssize_t limit = -1;
    PyObject *parts = NULL, *result;

    if (!PyArg_ParseTuple(args, "|n:readline", &limit)) {
        return NULL;
    }
    for (;;) {
        apr_size_t avail = o->rbuf_len - o->rbuf_pos, n;
        char *start = o->rbuf + o->rbuf_pos, *nl;
        int done = 0;
        PyObject *piece;

        if (avail == 0) {
            long got = fill_buffer(self, r);

            if (got < 0) {
                Py_XDECREF(parts);
                return NULL;
            }
            if (got == 0) {
                break;
            }
            continue;
        }
        n = avail;
        if (limit >= 0 && (Py_ssize_t)n > limit) {
            n = limit;
            done = 1;
        }
        if ((nl = memchr(start, '\n', n))) {
            n = nl - start + 1;
            done = 1;
        }
        piece = PyBytes_FromStringAndSize(start, n);
        o->rbuf_pos += n;
        if (limit >= 0) {
            limit -= n;
            done = done || limit == 0;
        }
        if (!piece) {
            Py_XDECREF(parts);
            return NULL;
        }
        if (done && !parts) {
            return piece;
        }
        if (!parts && !(parts = PyList_New(0))) {
            Py_DECREF(piece);
            return NULL;
        }
        if (PyList_Append(parts, piece) < 0) {
            Py_DECREF(piece);
            Py_DECREF(parts);
            return NULL;
        }
        Py_DECREF(piece);
        if (done) {
            break;
        }
    }
    if (!parts) {
        return PyBytes_FromStringAndSize(NULL, 0);
    }
    {
        PyObject *empty = PyBytes_FromStringAndSize(NULL, 0);

        result = empty ? _PyBytes_Join(empty, parts) : NULL;
        Py_XDECREF(empty);
    }
    Py_DECREF(parts);
    return result;
}

static PyObject *Request_readlines(PyObject *self, PyObject *args)
{
    Py_ssize_t sizehint = -1, total = 0;
    PyObject *lines, *line, *largs;

    if (!PyArg_ParseTuple(args, "|n:readlines", &sizehint)) {
        return NULL;
    }
    if (!(lines = PyList_New(0))) {
        return NULL;
    }
    largs = sizehint >= 0 ? Py_BuildValue("(n)", sizehint) : PyTuple_New(0);
    while (largs && (line = Request_readline(self, largs))) {
        Py_ssize_t n = PyBytes_GET_SIZE(line);

        if (n == 0) {
            Py_DECREF(line);
            break;
        }
        if (PyList_Append(lines, line) < 0) {
            Py_DECREF(line);
            goto error;
        }
        Py_DECREF(line);
        total += n;
        if (sizehint >= 0 && total >= sizehint) {
            break;
        }
    }
    if (!largs || PyErr_Occurred()) {
        goto error;
    }
    Py_DECREF(largs);
    return lines;

error:
    Py_XDECREF(largs);
    Py_DECREF(lines);
    return NULL;
}

static PyObject *Request_discard_request_body(PyObject *self,
                                              PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    int rc;

    MP_BLOCKING_BEGIN
    rc = ap_discard_request_body(r);
    MP_BLOCKING_END
    return PyLong_FromLong(rc);
}

/* ------------------------------------------------------------------
 * Configuration, logging, small httpd services
 */

/* A per-request copy of `src`, optionally without "" values. */
static PyObject *config_table(PyObject *self, request_rec *r,
                              const apr_table_t *src, int drop_unset)
{
    mp_module_state *st = mp_module_state_of(Py_TYPE(self));
    apr_table_t *copy;

    if (!st) {
        return NULL;
    }
    copy = apr_table_copy(r->pool, src);
    if (drop_unset) {
        const apr_array_header_t *arr = apr_table_elts(src);
        const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
        int i;

        for (i = 0; i < arr->nelts; i++) {
            if (e[i].val && !*e[i].val) {
                apr_table_unset(copy, e[i].key);
            }
        }
    }
    return mp_table_wrap(st, copy, self);
}

/* The copy of `src` in *slot, made again when the merged config is no
 * longer the one copied: post-read-request sees the server's settings,
 * later phases those of the sections too (DIR-merge-flags). */
static PyObject *phase_table(PyObject *self, request_rec *r, PyObject **slot,
                             const apr_table_t **copied,
                             const apr_table_t *src, int drop_unset)
{
    if (!*slot || *copied != src) {
        PyObject *table = config_table(self, r, src, drop_unset);

        if (!table) {
            return NULL;
        }
        Py_XSETREF(*slot, table);
        *copied = src;
    }
    return Py_NewRef(*slot);
}

static PyObject *Request_get_config(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    RequestObject *o = REQ(self);

    return phase_table(self, r, &o->config, &o->config_src,
                       mp_config_dir(r)->directives, 0);
}

static PyObject *Request_get_options(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    RequestObject *o = REQ(self);

    return phase_table(self, r, &o->options, &o->options_src,
                       mp_config_dir(r)->options, 1);
}

static PyObject *Request_log_error(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    const char *message = NULL;
    int level = 0;

    if (!PyArg_ParseTuple(args, "z|i:log_error", &message, &level)) {
        return NULL;
    }
    if (message) {
        MP_BLOCKING_BEGIN
        ap_log_rerror(APLOG_MARK, level ? level : APLOG_ERR, 0, r, "%s",
                      message);
        MP_BLOCKING_END
    }
    Py_RETURN_NONE;
}

static PyObject *Request_set_content_length(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    long long len;

    if (!PyArg_ParseTuple(args, "L:set_content_length", &len)) {
        return NULL;
    }
    ap_set_content_length(r, (apr_off_t)len);
    Py_RETURN_NONE;
}

static PyObject *Request_document_root(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    return mp_str_out(ap_document_root(r));
}

static PyObject *Request_construct_url(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    const char *uri;

    if (!PyArg_ParseTuple(args, "s:construct_url", &uri)) {
        return NULL;
    }
    return mp_str_out(ap_construct_url(r->pool, uri, r));
}

static PyObject *Request_meets_conditions(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    return PyLong_FromLong(ap_meets_conditions(r));
}

static PyObject *Request_set_etag(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    ap_set_etag(r);
    Py_RETURN_NONE;
}

static PyObject *Request_set_last_modified(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    ap_set_last_modified(r);
    Py_RETURN_NONE;
}

static PyObject *Request_update_mtime(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    double t;

    if (!PyArg_ParseTuple(args, "d:update_mtime", &t)) {
        return NULL;
    }
    ap_update_mtime(r, (apr_time_t)(t * APR_USEC_PER_SEC));
    Py_RETURN_NONE;
}

static PyObject *Request_get_remote_host(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    int type = REMOTE_NAME, is_ip = 0;
    PyObject *want_ip = Py_None, *host;
    const char *name;

    if (!PyArg_ParseTuple(args, "|iO:get_remote_host", &type, &want_ip)) {
        return NULL;
    }
    MP_BLOCKING_BEGIN
    name = ap_get_remote_host(r->connection, r->per_dir_config, type,
                              &is_ip);
    MP_BLOCKING_END
    host = mp_str_out(name);
    if (!host || want_ip == Py_None) {
        return host;
    }
    return Py_BuildValue("(Ni)", host, is_ip);
}

static PyObject *Request_auth_name(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    return mp_str_out(ap_auth_name(r));
}

static PyObject *Request_auth_type(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    return mp_str_out(ap_auth_type(r));
}

static PyObject *Request_get_basic_auth_pw(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    const char *pw = NULL;

    if (ap_get_basic_auth_pw(r, &pw) != OK) {
        Py_RETURN_NONE;
    }
    return mp_latin1_out(pw);
}

static PyObject *Request_add_common_vars(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    ap_add_common_vars(r);
    Py_RETURN_NONE;
}

static PyObject *Request_send_http_header(PyObject *self, PyObject *unused)
{
    /* Headers go out with the first write; kept for 2.x scripts. */
    Py_RETURN_NONE;
}

static PyObject *Request_add_handler(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    const char *phase, *handler, *dir = NULL;

    if (!PyArg_ParseTuple(args, "ss|z:add_handler", &phase, &handler,
                          &dir)) {
        return NULL;
    }
    if (mp_handlers_add_dynamic(r, self, phase, handler, dir) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *Request_register_cleanup(PyObject *self, PyObject *args)
{
    RequestObject *o = REQ(self);
    PyObject *callable, *data = Py_None, *entry;
    int rc;

    if (mp_wrapper_gone(self)
        || !PyArg_ParseTuple(args, "O|O:register_cleanup", &callable,
                             &data)) {
        return NULL;
    }
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_ValueError,
                        "first argument must be a callable object");
        return NULL;
    }
    if (!o->cleanups && !(o->cleanups = PyList_New(0))) {
        return NULL;
    }
    if (!(entry = PyTuple_Pack(2, callable, data))) {
        return NULL;
    }
    rc = PyList_Append(o->cleanups, entry);
    Py_DECREF(entry);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------
 * Attributes
 */

/* Plain fields of request_rec, read (and some written) generically. */
enum { F_STR, F_INT, F_UINT, F_TIME, F_OFF, F_INT64 };
enum { RO = 0, RW = 1, RW_NONE = 2 };   /* RW_NONE: None clears */

typedef struct {
    size_t offset;
    int type;
    int access;
} field;

#define FIELD(name, t, a) { offsetof(request_rec, name), t, a }

static const field f_the_request = FIELD(the_request, F_STR, RO);
static const field f_assbackwards = FIELD(assbackwards, F_INT, RW);
static const field f_proxyreq = FIELD(proxyreq, F_INT, RW);
static const field f_header_only = FIELD(header_only, F_INT, RO);
static const field f_protocol = FIELD(protocol, F_STR, RO);
static const field f_proto_num = FIELD(proto_num, F_INT, RO);
static const field f_hostname = FIELD(hostname, F_STR, RO);
static const field f_request_time = FIELD(request_time, F_TIME, RO);
static const field f_status_line = FIELD(status_line, F_STR, RW_NONE);
static const field f_status = FIELD(status, F_INT, RW);
static const field f_method = FIELD(method, F_STR, RO);
static const field f_method_number = FIELD(method_number, F_INT, RO);
static const field f_allowed = FIELD(allowed, F_INT64, RO);
static const field f_sent_bodyct = FIELD(sent_bodyct, F_OFF, RO);
static const field f_bytes_sent = FIELD(bytes_sent, F_OFF, RO);
static const field f_mtime = FIELD(mtime, F_TIME, RO);
static const field f_chunked = FIELD(chunked, F_INT, RW);
static const field f_range = FIELD(range, F_STR, RO);
static const field f_clength = FIELD(clength, F_OFF, RO);
static const field f_remaining = FIELD(remaining, F_OFF, RO);
static const field f_read_length = FIELD(read_length, F_OFF, RO);
static const field f_read_body = FIELD(read_body, F_INT, RO);
static const field f_read_chunked = FIELD(read_chunked, F_INT, RO);
static const field f_expecting_100 = FIELD(expecting_100, F_UINT, RO);
static const field f_handler = FIELD(handler, F_STR, RW_NONE);
static const field f_content_encoding = FIELD(content_encoding, F_STR, RO);
static const field f_vlist_validator = FIELD(vlist_validator, F_STR, RO);
static const field f_ap_auth_type = FIELD(ap_auth_type, F_STR, RW_NONE);
static const field f_no_cache = FIELD(no_cache, F_INT, RW);
static const field f_no_local_copy = FIELD(no_local_copy, F_INT, RW);
static const field f_unparsed_uri = FIELD(unparsed_uri, F_STR, RO);
static const field f_uri = FIELD(uri, F_STR, RW);
static const field f_filename = FIELD(filename, F_STR, RW_NONE);
static const field f_canonical_filename = FIELD(canonical_filename, F_STR,
                                                RW_NONE);
static const field f_path_info = FIELD(path_info, F_STR, RW_NONE);
static const field f_args = FIELD(args, F_STR, RW_NONE);
static const field f_used_path_info = FIELD(used_path_info, F_INT, RW);
static const field f_eos_sent = FIELD(eos_sent, F_INT, RO);
static const field f_useragent_ip = FIELD(useragent_ip, F_STR, RO);

static PyObject *field_get(PyObject *self, void *closure)
{
    REC_OR_FAIL(r, self, NULL);
    const field *f = closure;
    const char *p = (const char *)r + f->offset;

    switch (f->type) {
    case F_STR:
        return mp_str_out(*(const char *const *)p);
    case F_INT:
        return PyLong_FromLong(*(const int *)p);
    case F_UINT:
        return PyLong_FromUnsignedLong(*(const unsigned *)p);
    case F_TIME:
        return PyFloat_FromDouble(*(const apr_time_t *)p
                                  / (double)APR_USEC_PER_SEC);
    case F_OFF:
        return PyLong_FromLongLong(*(const apr_off_t *)p);
    case F_INT64:
        return PyLong_FromLongLong(*(const apr_int64_t *)p);
    }
    Py_RETURN_NONE;
}

static int field_set(PyObject *self, PyObject *value, void *closure)
{
    REC_OR_FAIL(r, self, -1);
    const field *f = closure;
    char *p = (char *)r + f->offset;

    if (!value) {
        PyErr_SetString(PyExc_AttributeError,
                        "can't delete request attributes");
        return -1;
    }
    if (f->type == F_STR) {
        char *s = NULL;

        if (value == Py_None && f->access == RW_NONE) {
            *(char **)p = NULL;
            return 0;
        }
        if (!(s = mp_str_in(r->pool, value))) {
            return -1;
        }
        *(char **)p = s;
        return 0;
    }
    if (!PyLong_Check(value)) {
        if (f == &f_chunked) {
            PyErr_SetString(PyExc_TypeError, "chunked must be a integer");
        }
        else {
            PyErr_SetString(PyExc_TypeError, "attribute value must be an "
                            "integer");
        }
        return -1;
    }
    {
        long v = PyLong_AsLong(value);

        if (v == -1 && PyErr_Occurred()) {
            return -1;
        }
        *(int *)p = (int)v;
    }
    return 0;
}

static PyObject *str_array(const apr_array_header_t *arr)
{
    PyObject *t;
    int i;

    if (!arr) {
        return PyTuple_New(0);
    }
    if (!(t = PyTuple_New(arr->nelts))) {
        return NULL;
    }
    for (i = 0; i < arr->nelts; i++) {
        PyObject *s = mp_str_out(APR_ARRAY_IDX(arr, i, const char *));

        if (!s) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

/* Attributes computed from more than one field, by id. */
enum {
    A_CONNECTION, A_SERVER, A_NEXT, A_PREV, A_MAIN, A_HEADERS_IN,
    A_HEADERS_OUT, A_ERR_HEADERS_OUT, A_SUBPROCESS_ENV, A_NOTES,
    A_PHASE, A_INTERPRETER, A_CONTENT_TYPE, A_CONTENT_TYPE_SET,
    A_CONTENT_LANGUAGES, A_USER, A_PARSED_URI, A_USERAGENT_ADDR,
    A_EXTENSION, A_HLIST, A_BYTES_QUEUED, A_REQUEST_REC,
    A_ALLOWED_XMETHODS, A_ALLOWED_METHODS
};

/* The cached wrapper in *slot, made by `make` on first use. */
static PyObject *cached(PyObject **slot, PyObject *made)
{
    if (!*slot) {
        if (!made) {
            return NULL;
        }
        *slot = made;
    }
    else {
        Py_XDECREF(made);
    }
    return Py_NewRef(*slot);
}

static PyObject *related_request(PyObject *self, PyObject **slot,
                                 request_rec *other)
{
    mp_module_state *st;

    if (!other) {
        Py_RETURN_NONE;
    }
    if (*slot) {
        return Py_NewRef(*slot);
    }
    st = mp_module_state_of(Py_TYPE(self));
    if (!st) {
        return NULL;
    }
    *slot = mp_handlers_request_object(other, st, REQ(self)->interpreter);
    return Py_XNewRef(*slot);
}

static PyObject *table_attr(PyObject *self, PyObject **slot, apr_table_t *t)
{
    mp_module_state *st;

    if (*slot) {
        return Py_NewRef(*slot);
    }
    if (!(st = mp_module_state_of(Py_TYPE(self)))) {
        return NULL;
    }
    return cached(slot, mp_table_wrap(st, t, self));
}

static PyObject *Request_get(PyObject *self, void *closure)
{
    REC_OR_FAIL(r, self, NULL);
    RequestObject *o = REQ(self);
    mp_module_state *st;

    switch ((int)(intptr_t)closure) {
    case A_CONNECTION:
        if (!o->connection) {
            if (!(st = mp_module_state_of(Py_TYPE(self)))) {
                return NULL;
            }
            o->connection = mp_conn_new(st, r->connection);
        }
        return Py_XNewRef(o->connection);
    case A_SERVER:
        if (!o->server) {
            if (!(st = mp_module_state_of(Py_TYPE(self)))) {
                return NULL;
            }
            o->server = mp_server_new(st, r->server);
        }
        return Py_XNewRef(o->server);
    case A_NEXT:
        return related_request(self, &o->next, r->next);
    case A_PREV:
        return related_request(self, &o->prev, r->prev);
    case A_MAIN:
        return related_request(self, &o->main, r->main);
    case A_HEADERS_IN:
        return table_attr(self, &o->headers_in, r->headers_in);
    case A_HEADERS_OUT:
        return table_attr(self, &o->headers_out, r->headers_out);
    case A_ERR_HEADERS_OUT:
        return table_attr(self, &o->err_headers_out, r->err_headers_out);
    case A_SUBPROCESS_ENV:
        return table_attr(self, &o->subprocess_env, r->subprocess_env);
    case A_NOTES:
        return table_attr(self, &o->notes, r->notes);
    case A_PHASE:
        return Py_NewRef(o->phase);
    case A_INTERPRETER:
        return mp_str_out(o->interpreter);
    case A_CONTENT_TYPE:
        return mp_str_out(r->content_type);
    case A_CONTENT_TYPE_SET:
        return PyLong_FromLong(o->content_type_set);
    case A_CONTENT_LANGUAGES:
        return str_array(r->content_languages);
    case A_USER:
        return mp_latin1_out(r->user);
    case A_PARSED_URI: {
        apr_uri_t *u = &r->parsed_uri;
        PyObject *port;

        if (u->port_str) {
            port = PyLong_FromLong(u->port);
        }
        else {
            port = Py_NewRef(Py_None);
        }
        return Py_BuildValue("(NNNNNNNNN)", mp_str_out(u->scheme),
                             mp_str_out(u->hostinfo), mp_str_out(u->user),
                             mp_str_out(u->password),
                             mp_str_out(u->hostname), port,
                             mp_str_out(u->path), mp_str_out(u->query),
                             mp_str_out(u->fragment));
    }
    case A_USERAGENT_ADDR: {
        char *ip = NULL;

        if (!r->useragent_addr) {
            Py_RETURN_NONE;
        }
        apr_sockaddr_ip_get(&ip, r->useragent_addr);
        return Py_BuildValue("(Ni)", mp_str_out(ip),
                             (int)r->useragent_addr->port);
    }
    case A_EXTENSION:
        return mp_str_out(o->extension);
    case A_HLIST:
        if (!o->hlist) {
            Py_RETURN_NONE;
        }
        return Py_NewRef(o->hlist);
    case A_BYTES_QUEUED:
        return PyLong_FromLongLong(o->bytes_queued);
    case A_REQUEST_REC:
        return PyCapsule_New(r, NULL, NULL);
    case A_ALLOWED_XMETHODS:
        return str_array(r->allowed_xmethods);
    case A_ALLOWED_METHODS:
        return str_array(r->allowed_methods
                         ? r->allowed_methods->method_list : NULL);
    }
    PyErr_SetString(PyExc_AttributeError, "unknown request attribute");
    return NULL;
}

static int Request_set(PyObject *self, PyObject *value, void *closure)
{
    REC_OR_FAIL(r, self, -1);
    char *s;

    if (!value) {
        PyErr_SetString(PyExc_AttributeError,
                        "can't delete request attributes");
        return -1;
    }
    switch ((int)(intptr_t)closure) {
    case A_CONTENT_TYPE:
        if (!(s = mp_str_in(r->pool, value))) {
            return -1;
        }
        ap_set_content_type(r, s);
        REQ(self)->content_type_set = 1;
        return 0;
    case A_USER:
        if (value == Py_None) {
            r->user = NULL;
            return 0;
        }
        if (!(s = mp_str_in(r->pool, value))) {
            return -1;
        }
        r->user = s;
        return 0;
    }
    PyErr_SetString(PyExc_AttributeError, "read-only attribute");
    return -1;
}

#define FIELD_RO(name, doc) \
    {#name, field_get, NULL, doc, (void *)&f_##name}
#define FIELD_RW(name, doc) \
    {#name, field_get, field_set, doc, (void *)&f_##name}
#define ATTR_RO(name, id, doc) \
    {name, Request_get, NULL, doc, (void *)(intptr_t)(id)}
#define ATTR_RW(name, id, doc) \
    {name, Request_get, Request_set, doc, (void *)(intptr_t)(id)}

static PyGetSetDef Request_getset[] = {
    FIELD_RO(the_request, "first line of the request"),
    FIELD_RW(assbackwards, "1 for an HTTP/0.9-style response"),
    FIELD_RW(proxyreq, "PROXYREQ_* value"),
    FIELD_RO(header_only, "1 for HEAD"),
    FIELD_RO(protocol, "protocol of the request line"),
    FIELD_RO(proto_num, "1000 * major + minor"),
    FIELD_RO(hostname, "host from the URI or Host header"),
    FIELD_RO(request_time, "when the request started (seconds)"),
    FIELD_RW(status_line, "explicit status line"),
    FIELD_RW(status, "response status"),
    FIELD_RO(method, "request method"),
    FIELD_RO(method_number, "M_* value of the method"),
    FIELD_RO(allowed, "bitmask of allowed methods"),
    FIELD_RO(sent_bodyct, "nonzero once the body is being sent"),
    FIELD_RO(bytes_sent, "body bytes sent"),
    FIELD_RO(mtime, "resource modification time"),
    FIELD_RW(chunked, "1 when the response is chunked"),
    FIELD_RO(range, "the Range header"),
    FIELD_RO(clength, "content length set with set_content_length"),
    FIELD_RO(remaining, "request body bytes still to read"),
    FIELD_RO(read_length, "request body bytes read"),
    FIELD_RO(read_body, "body reading policy"),
    FIELD_RO(read_chunked, "1 if the request body is chunked"),
    FIELD_RO(expecting_100, "1 if the client expects 100-continue"),
    FIELD_RW(handler, "name of the content handler"),
    FIELD_RO(content_encoding, "response content encoding"),
    FIELD_RO(vlist_validator, "variant list validator"),
    FIELD_RW(ap_auth_type, "authentication scheme"),
    FIELD_RW(no_cache, "1 if the response must not be cached"),
    FIELD_RW(no_local_copy, "1 if there is no local copy"),
    FIELD_RO(unparsed_uri, "the URI as received"),
    FIELD_RW(uri, "path part of the URI"),
    FIELD_RW(filename, "file the URI maps to"),
    FIELD_RW(canonical_filename, "canonical file name"),
    FIELD_RW(path_info, "URI part after the file name"),
    FIELD_RW(args, "query string"),
    FIELD_RW(used_path_info, "path info policy"),
    FIELD_RO(eos_sent, "1 once end-of-stream was sent"),
    FIELD_RO(useragent_ip, "IP address of the user agent"),
    ATTR_RO("connection", A_CONNECTION, "the connection object"),
    ATTR_RO("server", A_SERVER, "the server object"),
    ATTR_RO("next", A_NEXT, "request this one was redirected to"),
    ATTR_RO("prev", A_PREV, "request this one was redirected from"),
    ATTR_RO("main", A_MAIN, "parent of a sub-request"),
    ATTR_RO("headers_in", A_HEADERS_IN, "request headers"),
    ATTR_RO("headers_out", A_HEADERS_OUT, "response headers"),
    ATTR_RO("err_headers_out", A_ERR_HEADERS_OUT,
            "response headers sent with errors too"),
    ATTR_RO("subprocess_env", A_SUBPROCESS_ENV, "environment table"),
    ATTR_RO("notes", A_NOTES, "per-request notes"),
    ATTR_RO("phase", A_PHASE, "phase being run"),
    ATTR_RO("interpreter", A_INTERPRETER, "name of the interpreter"),
    ATTR_RW("content_type", A_CONTENT_TYPE, "response media type"),
    ATTR_RO("_content_type_set", A_CONTENT_TYPE_SET,
            "1 once content_type was assigned"),
    ATTR_RO("content_languages", A_CONTENT_LANGUAGES, "response languages"),
    ATTR_RW("user", A_USER, "authenticated user"),
    ATTR_RO("parsed_uri", A_PARSED_URI, "the URI in parts"),
    ATTR_RO("useragent_addr", A_USERAGENT_ADDR, "(ip, port) of the agent"),
    ATTR_RO("extension", A_EXTENSION, "extension that chose the handlers"),
    ATTR_RO("hlist", A_HLIST, "the handler list being run"),
    ATTR_RO("_bytes_queued", A_BYTES_QUEUED, "bytes passed to write()"),
    ATTR_RO("_request_rec", A_REQUEST_REC, "capsule of the request_rec"),
    ATTR_RO("allowed_xmethods", A_ALLOWED_XMETHODS,
            "allowed extension methods"),
    ATTR_RO("allowed_methods", A_ALLOWED_METHODS,
            "names in the allowed method list"),
    {NULL}
};

static PyMemberDef Request_members[] = {
    {"__dictoffset__", MP_T_PYSSIZET, offsetof(RequestObject, dict), MP_READONLY},
    {NULL}
};

static PyMethodDef Request_methods[] = {
    {"write", Request_write, METH_VARARGS,
     "write(data[, flush=1]): send data to the client."},
    {"flush", Request_flush, METH_NOARGS, "Flush output to the client."},
    {"read", Request_read, METH_VARARGS,
     "read([len]): read request body bytes."},
    {"readline", Request_readline, METH_VARARGS,
     "readline([len]): read a line of the request body."},
    {"readlines", Request_readlines, METH_VARARGS,
     "readlines([sizehint]): read lines of the request body."},
    {"discard_request_body", Request_discard_request_body, METH_NOARGS,
     "Read and throw away the request body."},
    {"get_config", Request_get_config, METH_NOARGS,
     "The mod_python settings in effect."},
    {"get_options", Request_get_options, METH_NOARGS,
     "The PythonOption values in effect."},
    {"log_error", Request_log_error, METH_VARARGS,
     "log_error(message[, level]): write to the error log."},
    {"set_content_length", Request_set_content_length, METH_VARARGS,
     "set_content_length(len)"},
    {"document_root", Request_document_root, METH_NOARGS,
     "The DocumentRoot."},
    {"construct_url", Request_construct_url, METH_VARARGS,
     "construct_url(uri): absolute URL for uri."},
    {"meets_conditions", Request_meets_conditions, METH_NOARGS,
     "Evaluate the conditional request headers."},
    {"set_etag", Request_set_etag, METH_NOARGS, "Set the ETag header."},
    {"set_last_modified", Request_set_last_modified, METH_NOARGS,
     "Set Last-Modified from mtime."},
    {"update_mtime", Request_update_mtime, METH_VARARGS,
     "update_mtime(t): raise mtime to t."},
    {"get_remote_host", Request_get_remote_host, METH_VARARGS,
     "get_remote_host([type[, str_is_ip]])"},
    {"auth_name", Request_auth_name, METH_NOARGS, "The AuthName."},
    {"auth_type", Request_auth_type, METH_NOARGS, "The AuthType."},
    {"get_basic_auth_pw", Request_get_basic_auth_pw, METH_NOARGS,
     "The Basic password; sets req.user."},
    {"add_common_vars", Request_add_common_vars, METH_NOARGS,
     "Fill subprocess_env with httpd's common variables."},
    {"send_http_header", Request_send_http_header, METH_NOARGS,
     "Does nothing (headers are sent with the first write)."},
    {"add_handler", Request_add_handler, METH_VARARGS,
     "add_handler(phase, handler[, dir])"},
    {"register_cleanup", Request_register_cleanup, METH_VARARGS,
     "register_cleanup(callable[, data]): call when the request ends."},
    {NULL}
};

static int Request_traverse(PyObject *self, visitproc visit, void *arg)
{
    RequestObject *o = REQ(self);

    Py_VISIT(Py_TYPE(self));
    Py_VISIT(o->dict);
    Py_VISIT(o->connection);
    Py_VISIT(o->server);
    Py_VISIT(o->next);
    Py_VISIT(o->prev);
    Py_VISIT(o->main);
    Py_VISIT(o->headers_in);
    Py_VISIT(o->headers_out);
    Py_VISIT(o->err_headers_out);
    Py_VISIT(o->subprocess_env);
    Py_VISIT(o->notes);
    Py_VISIT(o->config);
    Py_VISIT(o->options);
    Py_VISIT(o->hlist);
    Py_VISIT(o->phase);
    Py_VISIT(o->cleanups);
    return 0;
}

static void Request_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    Request_clear(self);
    free(REQ(self)->rbuf);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot Request_slots[] = {
    {Py_tp_getset, Request_getset},
    {Py_tp_members, Request_members},
    {Py_tp_methods, Request_methods},
    {Py_tp_traverse, Request_traverse},
    {Py_tp_clear, Request_clear},
    {Py_tp_dealloc, Request_dealloc},
    {0, NULL}
};

static PyType_Spec Request_spec = {
    .name = "mp_request",
    .basicsize = sizeof(RequestObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Request_slots,
};

int mp_request_type_init(PyObject *module, mp_module_state *st)
{
    st->request_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &Request_spec, NULL);
    return st->request_type ? 0 : -1;
}
