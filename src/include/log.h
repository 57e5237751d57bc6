/*
 * Logging helpers.  Messages at debug level and above carry an MP_LOGNO
 * tag; doc/logtags.rst lists them.
 */
#ifndef MP_LOG_H
#define MP_LOG_H

#include "mod_python.h"

/*
 * Log the pending Python exception (GIL held, exception set on entry;
 * cleared on exit): one line `heading`, then the traceback, one log call
 * per line.  Logged against `r` when given, else against `s`.
 */
void mp_log_python_error(request_rec *r, server_rec *s, int level,
                         const char *heading);

/*
 * The log_error(message[, level]) of every object: log `message` (a str,
 * bytes not UTF-8 given back as they came; None logs nothing) at `level`
 * (0 means APLOG_ERR) against `r`, else `c`, else `s` (NULL: the main
 * error log).  GIL held on entry and exit, released while logging.  New
 * reference to None, or NULL with TypeError set.
 */
PyObject *mp_log_message(request_rec *r, conn_rec *c, server_rec *s,
                         PyObject *message, int level);

#endif /* MP_LOG_H */
