/*
 * The version of mod_python: the single source of truth.  configure reads
 * these numbers to generate lib/python/mod_python/version.py, so the C
 * module and the Python package always agree (PH-err-version).
 */
#ifndef MP_VERSION_H
#define MP_VERSION_H

#define MP_VERSION_MAJOR 3
#define MP_VERSION_MINOR 5
#define MP_VERSION_PATCH 0

#define MP_STRINGIFY_(x) #x
#define MP_STRINGIFY(x) MP_STRINGIFY_(x)
#define MP_VERSION_STRING MP_STRINGIFY(MP_VERSION_MAJOR) "." \
    MP_STRINGIFY(MP_VERSION_MINOR) "." MP_STRINGIFY(MP_VERSION_PATCH)

#endif /* MP_VERSION_H */
