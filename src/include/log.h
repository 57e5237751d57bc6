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

#endif /* MP_LOG_H */
