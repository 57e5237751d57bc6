/*
 * mp_request (request-object.md 1).
 */
#include "requestobject.h"
#include "tableobject.h"
#include "serverobject.h"
#include "connobject.h"
#include "finfoobject.h"
#include "handlers.h"
#include "interp.h"
#include "config.h"
#include "util.h"
#include "log.h"
#include "http_ssl.h"
#include "filters.h"

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
    if (view.len > 0 && !flush
        && REQ(self)->bytes_held + view.len < AP_MIN_BYTES_TO_WRITE) {
        /* httpd only buffers this much (it passes data on once it holds
         * AP_MIN_BYTES_TO_WRITE): letting the GIL go and taking it back
         * would cost more than the copy, and under a threaded MPM each
         * hand-over is a context switch.  Anything that may reach the
         * network lets it go. */
        rc = ap_rwrite(view.buf, (int)view.len, r);
        REQ(self)->bytes_held += view.len;
        REQ(self)->bytes_queued += view.len;
    }
    else if (view.len > 0) {
        const char *p = view.buf;
        Py_ssize_t left = view.len;

        MP_BLOCKING_BEGIN
        /* ap_rwrite() counts in int. */
        while (left > 0 && rc != -1) {
            int n = left > INT_MAX ? INT_MAX : (int)left;

            rc = ap_rwrite(p, n, r);
            p += n;
            left -= n;
        }
        if (rc != -1 && flush) {
            rc = ap_rflush(r);
        }
        MP_BLOCKING_END
        REQ(self)->bytes_held = 0;
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
 *
 * The input filters are called directly rather than through
 * ap_get_client_block(), which loses the reason of a failure: when httpd
 * refused the body itself (LimitRequestBody, a broken chunk) it has
 * already answered the client, and the handler must stop with that
 * status instead of seeing an ordinary read error.
 */
static long read_block(PyObject *self, request_rec *r, char *buf,
                       apr_size_t n)
{
    RequestObject *o = REQ(self);
    apr_bucket_brigade *bb;
    apr_status_t rv;
    apr_size_t got = n;
    int eos = 0;

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
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                        APR_BLOCK_READ, n);
    if (rv == APR_SUCCESS) {
        eos = !APR_BRIGADE_EMPTY(bb)
              && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb));
        rv = apr_brigade_flatten(bb, buf, &got);
    }
    apr_brigade_destroy(bb);
    MP_BLOCKING_END
    if (rv != APR_SUCCESS) {
        /* The body is in an unknown state: never reuse the connection. */
        r->connection->keepalive = AP_CONN_CLOSE;
        o->body_state = 2;
        if (rv == AP_FILTER_ERROR) {
            server_return(self, ap_map_http_request_error(rv,
                                                          HTTP_BAD_REQUEST));
        }
        else {
            PyErr_SetString(PyExc_OSError, "Client read error (Timeout?)");
        }
        return -1;
    }
    /* Keep httpd's counters as ap_get_client_block() would, and make
     * `remaining` count down (httpd 2.4 itself leaves it unchanged). */
    r->read_length += got;
    if (!r->read_chunked && r->remaining >= (apr_off_t)got) {
        r->remaining -= got;
    }
    if (eos || got == 0) {
        o->body_state = 2;
    }
    return (long)got;
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
    if (limit == 0) {
        return PyBytes_FromStringAndSize(NULL, 0);
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

        /* b"".join(): _PyBytes_Join is private API. */
        result = empty ? PyObject_CallMethod(empty, "join", "O", parts)
                       : NULL;
        Py_XDECREF(empty);
    }
    Py_DECREF(parts);
    return result;
}

static PyObject *Request_readlines(PyObject *self, PyObject *args)
{
    Py_ssize_t sizehint = -1, total = 0;
    PyObject *lines, *line, *largs, *first;

    if (!PyArg_ParseTuple(args, "|n:readlines", &sizehint)) {
        return NULL;
    }
    if (!(lines = PyList_New(0))) {
        return NULL;
    }
    /* As the original: the first line is read whole, the later ones are
     * cut at sizehint (REQ-readlines quirk). */
    largs = sizehint >= 0 ? Py_BuildValue("(n)", sizehint) : PyTuple_New(0);
    first = PyTuple_New(0);
    while (largs && first
           && (line = Request_readline(self, PyList_GET_SIZE(lines)
                                             ? largs : first))) {
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
    if (!largs || !first || PyErr_Occurred()) {
        goto error;
    }
    Py_DECREF(largs);
    Py_DECREF(first);
    return lines;

error:
    Py_XDECREF(largs);
    Py_XDECREF(first);
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

/*
 * The config tables are made once per merged configuration: the same
 * table while it lasts, a new one once the request's configuration
 * changed (after the directory walk, say, when earlier phases ran with
 * the server's settings).
 */
static int config_is_current(RequestObject *o, request_rec *r)
{
    if (o->config_of == r->per_dir_config) {
        return 1;
    }
    Py_CLEAR(o->config);
    Py_CLEAR(o->options);
    o->config_of = r->per_dir_config;
    return 0;
}

static PyObject *Request_get_config(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    RequestObject *o = REQ(self);

    if ((!config_is_current(o, r) || !o->config)
        && !(o->config = config_table(self, r,
                                      mp_config_dir(r)->directives, 0))) {
        return NULL;
    }
    return Py_NewRef(o->config);
}

static PyObject *Request_get_options(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    RequestObject *o = REQ(self);

    if ((!config_is_current(o, r) || !o->options)
        && !(o->options = config_table(self, r,
                                       mp_config_dir(r)->options, 1))) {
        return NULL;
    }
    return Py_NewRef(o->options);
}

static PyObject *Request_log_error(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    PyObject *message;
    int level = 0;

    if (!PyArg_ParseTuple(args, "O|i:log_error", &message, &level)) {
        return NULL;
    }
    return mp_log_message(r, NULL, NULL, message, level);
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
    PyObject *uri, *bytes, *url;

    if (!PyArg_ParseTuple(args, "O:construct_url", &uri)
        || !(bytes = mp_str_arg_bytes(uri))) {
        return NULL;
    }
    url = mp_str_out(ap_construct_url(r->pool, PyBytes_AS_STRING(bytes), r));
    Py_DECREF(bytes);
    return url;
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

static PyObject *Request_internal_redirect(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    const char *uri;

    if (!PyArg_ParseTuple(args, "s:internal_redirect", &uri)) {
        return NULL;
    }
    /* A redirect loop ends in httpd's recursion limit: a 500. */
    MP_BLOCKING_BEGIN
    ap_internal_redirect(apr_pstrdup(r->pool, uri), r);
    MP_BLOCKING_END
    Py_RETURN_NONE;
}

static PyObject *Request_sendfile(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    const char *path;
    long long offset = 0, len = -1;
    apr_finfo_t finfo;
    apr_file_t *fd;
    apr_size_t sent = 0;
    apr_status_t rv;

    if (!PyArg_ParseTuple(args, "s|LL:sendfile", &path, &offset, &len)) {
        return NULL;
    }
    MP_BLOCKING_BEGIN
    rv = apr_stat(&finfo, path, APR_FINFO_SIZE, r->pool);
    MP_BLOCKING_END
    if (rv != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "Could not stat file for reading");
        return NULL;
    }
    if (offset < 0 || offset > finfo.size) {
        PyErr_SetString(PyExc_ValueError, "offset is outside the file");
        return NULL;
    }
    /* -1: the rest of the file from `offset` (REQ-sendfile: build). */
    if (len < 0 || offset + len > finfo.size) {
        len = finfo.size - offset;
    }
    MP_BLOCKING_BEGIN
    rv = apr_file_open(&fd, path, APR_READ | APR_SENDFILE_ENABLED,
                       APR_OS_DEFAULT, r->pool);
    if (rv == APR_SUCCESS && len > 0) {
        rv = ap_send_fd(fd, r, (apr_off_t)offset, (apr_size_t)len, &sent);
    }
    MP_BLOCKING_END
    if (rv != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, sent || len == 0
                        ? "Write failed, client closed connection."
                        : "Could not open file for reading");
        return NULL;
    }
    REQ(self)->bytes_queued += len;
    return PyLong_FromLongLong((long long)sent);
}

static PyObject *Request_allow_methods(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    PyObject *methods, *fast;
    int reset = 0;
    Py_ssize_t i;

    if (!PyArg_ParseTuple(args, "O|i:allow_methods", &methods, &reset)) {
        return NULL;
    }
    if (!PySequence_Check(methods) || PyUnicode_Check(methods)
        || !(fast = PySequence_Fast(methods, ""))) {
        PyErr_SetString(PyExc_TypeError, "First argument must be a sequence");
        return NULL;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
        char *name = mp_str_in(r->pool, PySequence_Fast_GET_ITEM(fast, i));

        if (!name) {
            Py_DECREF(fast);
            return NULL;
        }
        /* Only the first name may replace what was allowed before. */
        ap_allow_methods(r, reset && i == 0, name, NULL);
        if (reset && i == 0) {
            r->allowed = 0;
        }
        /* Keep req.allowed in step with the list for standard methods. */
        if (ap_method_number_of(name) != M_INVALID) {
            r->allowed |= AP_METHOD_BIT << ap_method_number_of(name);
        }
    }
    Py_DECREF(fast);
    Py_RETURN_NONE;
}

static PyObject *Request_add_cgi_vars(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    apr_table_t *env = r->subprocess_env;
    const char *pi = r->path_info;
    size_t ulen = strlen(r->uri), plen = pi ? strlen(pi) : 0;

    /* mod_python's own CGI variables: no sub-request, no filesystem
     * access (no PATH_TRANSLATED); REQUEST_URI is the decoded uri. */
    apr_table_setn(env, "GATEWAY_INTERFACE", "CGI/1.1");
    apr_table_set(env, "SERVER_PROTOCOL", r->protocol);
    apr_table_set(env, "REQUEST_METHOD", r->method);
    apr_table_set(env, "QUERY_STRING", r->args ? r->args : "");
    apr_table_set(env, "REQUEST_URI", r->uri);
    if (plen && plen <= ulen && !strcmp(r->uri + ulen - plen, pi)) {
        apr_table_setn(env, "SCRIPT_NAME",
                       apr_pstrmemdup(r->pool, r->uri, ulen - plen));
    }
    else {
        apr_table_set(env, "SCRIPT_NAME", r->uri);
    }
    if (plen) {
        apr_table_set(env, "PATH_INFO", pi);
    }
    ap_add_common_vars(r);
    Py_RETURN_NONE;
}

/* Whether a <Limit>/<LimitExcept> section applies to `method`. */
static int limit_applies(apr_pool_t *p, const ap_directive_t *sec,
                         const char *method)
{
    char *args = apr_pstrdup(p, sec->args), *gt = strrchr(args, '>');
    const char *rest = args;
    const char *word;
    int listed = 0;

    if (gt) {
        *gt = '\0';
    }
    while (*(word = ap_getword_conf(p, &rest))) {
        listed = listed || !strcasecmp(word, method);
    }
    return strcasecmp(sec->directive, "<LimitExcept") ? listed : !listed;
}

/* Append the Require lines under `d` that apply to `method`. */
static int collect_requires(apr_pool_t *p, const ap_directive_t *d,
                            const char *method, PyObject *list)
{
    for (; d; d = d->next) {
        if (!strcasecmp(d->directive, "Require")) {
            PyObject *line = mp_str_out(d->args);

            if (!line || PyList_Append(list, line) < 0) {
                Py_XDECREF(line);
                return -1;
            }
            Py_DECREF(line);
        }
        else if (d->first_child
                 && (!strncasecmp(d->directive, "<Require", 8)
                     || ((!strcasecmp(d->directive, "<Limit")
                          || !strcasecmp(d->directive, "<LimitExcept"))
                         && limit_applies(p, d, method)))) {
            if (collect_requires(p, d->first_child, method, list) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static PyObject *Request_requires(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    const ap_directive_t *section = mp_config_dir(r)->section_node;
    PyObject *list = PyList_New(0), *result;

    /* httpd 2.4 keeps Require lines to mod_authz_core; we read them from
     * the configuration section of the request's mod_python settings. */
    if (!list) {
        return NULL;
    }
    if (section && collect_requires(r->pool, section->first_child,
                                    r->method, list) < 0) {
        Py_DECREF(list);
        return NULL;
    }
    result = PyList_AsTuple(list);
    Py_DECREF(list);
    return result;
}

static PyObject *Request_is_https(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    return PyLong_FromLong(ap_ssl_conn_is_ssl(r->connection) ? 1 : 0);
}

static PyObject *Request_ssl_var_lookup(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    const char *name;

    if (!PyArg_ParseTuple(args, "s:ssl_var_lookup", &name)) {
        return NULL;
    }
    return mp_str_out(ap_ssl_var_lookup(r->pool, r->server, r->connection,
                                        r, name));
}

/* The WSGI base URI of this request: the option, else the <Location>;
 * NULL for none.  -1 with ValueError for a bad option. */
static int wsgi_base_uri(request_rec *r, const char **base)
{
    mp_dir_conf *conf = mp_config_dir(r);
    const char *opt = apr_table_get(conf->options, "mod_python.wsgi.base_uri");
    size_t n;

    *base = NULL;
    if (opt) {
        n = strlen(opt);
        if (n && opt[n - 1] == '/') {
            PyErr_SetString(PyExc_ValueError, "PythonOption "
                            "mod_python.wsgi.base_uri cannot end with '/'");
            return -1;
        }
        *base = n ? opt : NULL;
    }
    else if (conf->in_location && conf->section) {
        n = strlen(conf->section);
        while (n && conf->section[n - 1] == '/') {
            n--;
        }
        *base = n ? apr_pstrmemdup(r->pool, conf->section, n) : NULL;
    }
    return 0;
}

static int set_item(PyObject *dict, const char *key, PyObject *value)
{
    int rc = value ? PyDict_SetItemString(dict, key, value) : -1;

    Py_XDECREF(value);
    return rc;
}

static PyObject *Request_build_wsgi_env(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    const char *base, *https, *auth;
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    PyObject *env, *errors;
    int i, threaded = 0, forked = 0;

    if (wsgi_base_uri(r, &base) < 0) {
        return NULL;
    }
    if (base && strncmp(r->uri, base, strlen(base))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, MP_LOGNO(0040)
                      "mod_python: req.uri '%s' does not start with the "
                      "WSGI base_uri '%s'", r->uri, base);
        Py_RETURN_NONE;
    }
    r->path_info = apr_pstrdup(r->pool, r->uri + (base ? strlen(base) : 0));
    Py_XDECREF(Request_add_cgi_vars(self, NULL));
    if (!(env = PyDict_New())) {
        return NULL;
    }
    arr = apr_table_elts(r->subprocess_env);
    e = (const apr_table_entry_t *)arr->elts;
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && set_item(env, e[i].key, mp_str_out(e[i].val)) < 0) {
            goto error;
        }
    }
    if ((auth = apr_table_get(r->headers_in, "Authorization"))
        && set_item(env, "HTTP_AUTHORIZATION", mp_str_out(auth)) < 0) {
        goto error;
    }
    ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded);
    ap_mpm_query(AP_MPMQ_IS_FORKED, &forked);
    https = apr_table_get(r->subprocess_env, "HTTPS");
    errors = PySys_GetObject("stderr");         /* borrowed */
    if (PyDict_SetItemString(env, "wsgi.input", self) < 0
        || PyDict_SetItemString(env, "wsgi.errors",
                                errors ? errors : Py_None) < 0
        || set_item(env, "wsgi.version", Py_BuildValue("(ii)", 1, 0)) < 0
        || set_item(env, "wsgi.multithread", PyBool_FromLong(threaded)) < 0
        || set_item(env, "wsgi.multiprocess", PyBool_FromLong(forked)) < 0
        || set_item(env, "wsgi.url_scheme", PyUnicode_FromString(
               https && strcasecmp(https, "off") ? "https" : "http")) < 0) {
        goto error;
    }
    return env;

error:
    Py_DECREF(env);
    return NULL;
}

/* One header of start_response into headers_out (content type through
 * httpd's setter, as httpd ignores a Content-Type header). */
static int add_wsgi_header(request_rec *r, PyObject *pair)
{
    char *name, *value;

    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_SetString(PyExc_TypeError, "headers must be a list of "
                        "(name, value) tuples: tuple required");
        return -1;
    }
    if (!(name = mp_str_in(r->pool, PyTuple_GET_ITEM(pair, 0)))) {
        PyErr_SetString(PyExc_TypeError, "header names must be strings");
        return -1;
    }
    if (!(value = mp_str_in(r->pool, PyTuple_GET_ITEM(pair, 1)))) {
        PyErr_SetString(PyExc_TypeError, "header values must be strings");
        return -1;
    }
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        PyErr_Format(PyExc_ValueError, "header %s contains a line break "
                     "or a colon in its name", name);
        return -1;
    }
    if (!strcasecmp(name, "Content-Type")) {
        ap_set_content_type(r, value);
    }
    else {
        apr_table_add(r->headers_out, name, value);
    }
    return 0;
}

static PyObject *Request_wsgi_start_response(PyObject *self, PyObject *args)
{
    REC_OR_FAIL(r, self, NULL);
    PyObject *status, *headers, *exc_info = Py_None;
    const char *line;
    Py_ssize_t i;
    int code;

    if (!PyArg_ParseTuple(args, "UO|O:wsgi_start_response", &status,
                          &headers, &exc_info)) {
        return NULL;
    }
    if (exc_info != Py_None) {
        /* PEP 3333: re-raise the application's error at once. */
        if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3) {
            PyErr_SetString(PyExc_TypeError, "exc_info must be a 3-tuple");
            return NULL;
        }
        PyErr_Restore(Py_NewRef(PyTuple_GET_ITEM(exc_info, 0)),
                      Py_NewRef(PyTuple_GET_ITEM(exc_info, 1)),
                      Py_NewRef(PyTuple_GET_ITEM(exc_info, 2)));
        return NULL;
    }
    if (!PyList_Check(headers)) {
        PyErr_SetString(PyExc_TypeError, "headers must be a list: list "
                        "required");
        return NULL;
    }
    if (!(line = PyUnicode_AsUTF8(status))) {
        return NULL;
    }
    code = atoi(line);
    if (code < 100 || code > 599 || !apr_isdigit(line[0])) {
        PyErr_Format(PyExc_ValueError, "Invalid status line: %s", line);
        return NULL;
    }
    for (i = 0; i < PyList_GET_SIZE(headers); i++) {
        if (add_wsgi_header(r, PyList_GET_ITEM(headers, i)) < 0) {
            return NULL;
        }
    }
    /* Both: httpd drops a status_line that disagrees with the status,
     * which made the original always answer 200. */
    r->status = code;
    r->status_line = apr_pstrdup(r->pool, line);
    return PyObject_GetAttrString(self, "write");
}

/*
 * The leading members of mod_mime's private configuration records, as
 * httpd 2.2 and 2.4 define them in modules/http/mod_mime.c: the only way
 * to learn which extensions AddHandler maps to us.
 */
typedef struct {
    apr_hash_t *extension_mappings;     /* extension -> mime_ext_info */
} mime_dir_head;

typedef struct {
    char *forced_type;
    char *encoding_type;
    char *language_type;
    char *handler;
} mime_ext_info;

static PyObject *Request_get_addhandler_exts(PyObject *self, PyObject *unused)
{
    REC_OR_FAIL(r, self, NULL);
    module *mime = ap_find_linked_module("mod_mime.c");
    mime_dir_head *conf;
    apr_array_header_t *exts = apr_array_make(r->pool, 4, sizeof(char *));
    apr_hash_index_t *hi;

    conf = mime ? ap_get_module_config(r->per_dir_config, mime) : NULL;
    if (conf && conf->extension_mappings) {
        for (hi = apr_hash_first(r->pool, conf->extension_mappings); hi;
             hi = apr_hash_next(hi)) {
            const void *key;
            void *val;
            const mime_ext_info *info;

            apr_hash_this(hi, &key, NULL, &val);
            info = val;
            if (info && info->handler
                && (!strcmp(info->handler, MP_HANDLER_NAME)
                    || !strcmp(info->handler, MP_HANDLER_NAME_LEGACY))) {
                *(const char **)apr_array_push(exts) = key;
            }
        }
    }
    return mp_str_out(apr_array_pstrcat(r->pool, exts, ' '));
}

/* ------------------------------------------------------------------
 * Filters (REQ-register_input_filter ... REQ-add_output_filter)
 */

static PyObject *register_filter(PyObject *self, PyObject *args,
                                 int is_input)
{
    REC_OR_FAIL(r, self, NULL);
    const char *name, *handler, *dir = NULL;

    if (!PyArg_ParseTuple(args, is_input ? "ss|s:register_input_filter"
                                         : "ss|s:register_output_filter",
                          &name, &handler, &dir)) {
        return NULL;
    }
    mp_handlers_register_filter(r, name, handler, dir, is_input);
    Py_RETURN_NONE;
}

static PyObject *Request_register_input_filter(PyObject *self,
                                               PyObject *args)
{
    return register_filter(self, args, 1);
}

static PyObject *Request_register_output_filter(PyObject *self,
                                                PyObject *args)
{
    return register_filter(self, args, 0);
}

static PyObject *add_filter(PyObject *self, PyObject *args, int is_input)
{
    REC_OR_FAIL(r, self, NULL);
    const char *name;

    if (!PyArg_ParseTuple(args, is_input ? "s:add_input_filter"
                                         : "s:add_output_filter", &name)) {
        return NULL;
    }
    mp_filter_add(r, name, is_input);
    Py_RETURN_NONE;
}

static PyObject *Request_add_input_filter(PyObject *self, PyObject *args)
{
    return add_filter(self, args, 1);
}

static PyObject *Request_add_output_filter(PyObject *self, PyObject *args)
{
    return add_filter(self, args, 0);
}

/* ------------------------------------------------------------------
 * Attributes
 */

/* Plain fields of request_rec, read (and some written) generically. */
/* F_PATH: a str whose value goes back in as UTF-8 (util.h). */
enum { F_STR, F_PATH, F_INT, F_UINT, F_TIME, F_OFF, F_INT64 };
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
static const field f_uri = FIELD(uri, F_PATH, RW);
static const field f_filename = FIELD(filename, F_PATH, RW_NONE);
static const field f_canonical_filename = FIELD(canonical_filename, F_PATH,
                                                RW_NONE);
static const field f_path_info = FIELD(path_info, F_PATH, RW_NONE);
static const field f_args = FIELD(args, F_PATH, RW_NONE);
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
    case F_PATH:
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
    if (f->type == F_STR || f->type == F_PATH) {
        char *s = NULL;

        if (value == Py_None && f->access == RW_NONE) {
            *(char **)p = NULL;
            return 0;
        }
        s = f->type == F_PATH ? mp_path_in(r->pool, value)
            : f == &f_status_line ? mp_header_in(r->pool, value,
                                                 "status_line")
            : mp_str_in(r->pool, value);
        if (!s) {
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
        if (v < INT_MIN || v > INT_MAX) {
            PyErr_SetString(PyExc_OverflowError, "value out of range");
            return -1;
        }
        *(int *)p = (int)v;
    }
    return 0;
}

/* Attributes computed from more than one field, by id. */
enum {
    A_CONNECTION, A_SERVER, A_NEXT, A_PREV, A_MAIN, A_HEADERS_IN,
    A_HEADERS_OUT, A_ERR_HEADERS_OUT, A_SUBPROCESS_ENV, A_NOTES,
    A_PHASE, A_INTERPRETER, A_CONTENT_TYPE, A_CONTENT_TYPE_SET,
    A_CONTENT_LANGUAGES, A_USER, A_PARSED_URI, A_USERAGENT_ADDR,
    A_EXTENSION, A_HLIST, A_BYTES_QUEUED, A_REQUEST_REC,
    A_ALLOWED_XMETHODS, A_ALLOWED_METHODS, A_FINFO
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
        return mp_table_headers(table_attr(self, &o->headers_in,
                                           r->headers_in));
    case A_HEADERS_OUT:
        return mp_table_headers(table_attr(self, &o->headers_out,
                                           r->headers_out));
    case A_ERR_HEADERS_OUT:
        return mp_table_headers(table_attr(self, &o->err_headers_out,
                                           r->err_headers_out));
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
        return mp_str_tuple(r->content_languages);
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
        return mp_str_tuple(r->allowed_xmethods);
    case A_ALLOWED_METHODS:
        return mp_str_tuple(r->allowed_methods
                         ? r->allowed_methods->method_list : NULL);
    case A_FINFO:
        if (!(st = mp_module_state_of(Py_TYPE(self)))) {
            return NULL;
        }
        return mp_finfo_view(st, self);
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
        if (!(s = mp_header_in(r->pool, value, "content_type"))) {
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
    case A_FINFO: {
        mp_module_state *st = mp_module_state_of(Py_TYPE(self));

        return st ? mp_finfo_assign(st, r, value) : -1;
    }
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
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict,
     "attributes set from Python", NULL},
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
    ATTR_RW("finfo", A_FINFO, "file information of filename"),
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
    {"internal_redirect", Request_internal_redirect, METH_VARARGS,
     "internal_redirect(uri): serve uri instead, now."},
    {"sendfile", Request_sendfile, METH_VARARGS,
     "sendfile(path[, offset[, len]]) -> bytes sent"},
    {"allow_methods", Request_allow_methods, METH_VARARGS,
     "allow_methods(methods[, reset]): names for the Allow header."},
    {"add_cgi_vars", Request_add_cgi_vars, METH_NOARGS,
     "Fill subprocess_env with the CGI variables."},
    {"requires", Request_requires, METH_NOARGS,
     "The Require lines that apply to this request."},
    {"is_https", Request_is_https, METH_NOARGS,
     "1 if the connection uses TLS."},
    {"ssl_var_lookup", Request_ssl_var_lookup, METH_VARARGS,
     "ssl_var_lookup(name): a mod_ssl variable, or None."},
    {"get_addhandler_exts", Request_get_addhandler_exts, METH_NOARGS,
     "Extensions AddHandler maps to mod_python, space-separated."},
    {"build_wsgi_env", Request_build_wsgi_env, METH_NOARGS,
     "The WSGI environ of this request, or None outside its base URI."},
    {"wsgi_start_response", Request_wsgi_start_response, METH_VARARGS,
     "wsgi_start_response(status, headers[, exc_info]) -> write"},
    {"register_input_filter", Request_register_input_filter, METH_VARARGS,
     "register_input_filter(name, handler[, dir])"},
    {"register_output_filter", Request_register_output_filter,
     METH_VARARGS, "register_output_filter(name, handler[, dir])"},
    {"add_input_filter", Request_add_input_filter, METH_VARARGS,
     "add_input_filter(name): insert an input filter"},
    {"add_output_filter", Request_add_output_filter, METH_VARARGS,
     "add_output_filter(name): insert an output filter"},
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
