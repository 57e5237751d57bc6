/*
 * Common header of mod_python: every .c file includes this first.
 *
 * Python.h comes first because it may set feature macros that change how
 * the system headers (pulled in by httpd and APR) are compiled.
 */
#ifndef MOD_PYTHON_H
#define MOD_PYTHON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

/* Member definitions: the names moved into Python.h in 3.12, and
 * structmember.h is deprecated from then on. */
#if PY_VERSION_HEX >= 0x030C0000
#define MP_T_PYSSIZET Py_T_PYSSIZET
#define MP_READONLY Py_READONLY
#else
#include <structmember.h>
#define MP_T_PYSSIZET T_PYSSIZET
#define MP_READONLY READONLY
#endif

/* Python and APR both define these; APR's definitions win. */
#undef _POSIX_C_SOURCE
#undef _XOPEN_SOURCE

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_connection.h"
#include "util_filter.h"
#include "util_script.h"
#include "ap_mpm.h"
#include "mpm_common.h"
#include "scoreboard.h"

#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_hash.h"
#include "apr_tables.h"
#include "apr_thread_mutex.h"
#include "apr_global_mutex.h"
#include "apr_file_info.h"

#include "mp_version.h"
/* What configure found.  setup.py builds define the same macros on the
 * command line instead (and MP_SETUP_PY), whatever configure left here. */
#ifndef MP_SETUP_PY
#include "mp_build.h"
#endif

APLOG_USE_MODULE(python);

extern module AP_MODULE_DECLARE_DATA python_module;

/*
 * Stable tags for log messages at debug level and above: MP_LOGNO(0042)
 * expands to "MP0042: ".  Every tag is listed in doc/logtags.rst; never
 * reuse one.
 */
#define MP_LOGNO(n) "MP" #n ": "

/* Names of the content handler (DIR-mod-handlername). */
#define MP_HANDLER_NAME "mod_python"
#define MP_HANDLER_NAME_LEGACY "python-program"

/* The name of the first interpreter of every process (PH-interp-main). */
#define MP_MAIN_INTERPRETER "main_interpreter"

#endif /* MOD_PYTHON_H */
