/*
 * Python input and output filters (phases-and-handlers.md 7, FLT-*).
 */
#ifndef MP_FILTERS_H
#define MP_FILTERS_H

#include "mod_python.h"

/* Register the httpd filter `name` (lower-case) for a PythonInputFilter
 * or PythonOutputFilter directive; config time. */
void mp_filter_register_configured(const char *name, int is_input);

#endif /* MP_FILTERS_H */
