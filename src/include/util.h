/*
 * String conversion between httpd and Python: the one rule used by every
 * object (request-object.md OBJ-str-*; doc/api.rst "Strings").
 *
 * Out of httpd: C strings are decoded as UTF-8; bytes that are not valid
 * UTF-8 become lone surrogates U+DC80..U+DCFF ("surrogateescape"), so a
 * malformed header, URL or query never raises and round-trips.
 * Into httpd: bytes as they are; str characters up to U+00FF as Latin-1
 * bytes and U+DC80..U+DCFF back to the byte they stand for; any other
 * character is a TypeError("not an ISO-8859-1 string").  Paths and URLs
 * of the request are the exception: see mp_path_in.
 */
#ifndef MP_UTIL_H
#define MP_UTIL_H

#include "mod_python.h"

/* New reference: str for `s`, None for NULL.  GIL held. */
PyObject *mp_str_out(const char *s);
PyObject *mp_str_out_len(const char *s, apr_size_t len);

/* New reference: str decoded as Latin-1 (req.user, passwords). */
PyObject *mp_latin1_out(const char *s);

/*
 * Convert `obj` (str or bytes) into a NUL-terminated copy in `p`.
 * Returns NULL with TypeError/ValueError set on bad input.  GIL held.
 */
char *mp_str_in(apr_pool_t *p, PyObject *obj);

/*
 * Like mp_str_in, for text that becomes (part of) a response header line:
 * a CR or LF in it raises ValueError (no header injection or response
 * splitting, whatever the API).  `what` names the header in the message.
 */
char *mp_header_in(apr_pool_t *p, PyObject *obj, const char *what);

/*
 * Like mp_str_in, for the paths and URLs of a request (uri, filename,
 * canonical_filename, path_info, args): str goes in as UTF-8, with
 * surrogates back to their bytes, so that a value read out comes back
 * unchanged (`req.filename = req.filename + ".py"` with a non-ASCII
 * directory works).  Bytes as they are.
 */
char *mp_path_in(apr_pool_t *p, PyObject *obj);

/*
 * The bytes of a body write (OBJ-str-write): str as UTF-8, or any
 * bytes-like object.  Fills `view` (release with PyBuffer_Release); -1
 * with TypeError set otherwise.
 */
int mp_body_data(PyObject *obj, Py_buffer *view);

/* New reference: a tuple of str for an array of C strings (empty for
 * NULL).  GIL held. */
PyObject *mp_str_tuple(const apr_array_header_t *arr);

/* A string argument of a method: str only, encoded as UTF-8.  Borrowed
 * pointer into `obj`; NULL with TypeError set otherwise. */
const char *mp_str_arg(PyObject *obj);

/*
 * A string argument that goes on into httpd (a log message, a URI): str
 * only, as UTF-8, except that the lone surrogates standing for bytes that
 * were not UTF-8 (see mp_str_out) become those bytes again.  New bytes
 * reference; NULL with TypeError set otherwise.  GIL held.
 */
PyObject *mp_str_arg_bytes(PyObject *obj);

#endif /* MP_UTIL_H */
