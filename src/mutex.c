/*
 * The global mutexes (PH-start-mutex, MUTEX-*, APC-_global_lock).
 *
 * The parent makes them in post_config; children inherit the handles
 * through fork and re-attach in child_init (some lock mechanisms need to
 * reopen their file there).  apr_global_mutex pairs a process lock with a
 * thread mutex, so one lock serialises both processes and the threads of
 * one process.
 */
#include "mutex.h"
#include "config.h"
#include "interp.h"
#include "_apachemodule.h"

#ifdef AP_NEED_SET_MUTEX_PERMS
#include "unixd.h"
#endif

#define OPT_LOCKS "mod_python.mutex_locks"
#define OPT_DIR "mod_python.mutex_directory"
#define OPT_MECH "mod_python.mutex_mechanism"

/* The lock mechanisms an administrator may pick, named as in httpd's
 * Mutex directive. */
static const struct {
    const char *name;
    apr_lockmech_e mech;
} mechanisms[] = {
    {"default", APR_LOCK_DEFAULT},
    {"fcntl", APR_LOCK_FCNTL},
    {"flock", APR_LOCK_FLOCK},
    {"sysvsem", APR_LOCK_SYSVSEM},
    {"posixsem", APR_LOCK_POSIXSEM},
    {"pthread", APR_LOCK_PROC_PTHREAD},
    {NULL, APR_LOCK_DEFAULT}
};

/* Process-wide: set in the parent, inherited by every child, kept for
 * the life of the parent.  `count` is 0 whenever there are no usable
 * mutexes. */
static int count;
static apr_global_mutex_t **mutexes;
static const char **lock_files;

/* A server-level PythonOption of the main server, NULL when not set
 * ("" is the marker of a key given without a value). */
static const char *main_option(server_rec *s, const char *key)
{
    const char *v = apr_table_get(mp_config_server(s)->options, key);

    return v && *v ? v : NULL;
}

/* How many mutexes to make (MUTEX-count, DIR-opt-mutex_locks). */
static int wanted_count(server_rec *s, int *max_procs, int *max_threads)
{
    const char *opt = main_option(s, OPT_LOCKS);
    int locks = MP_MAX_LOCKS, clients;

    if (opt) {
        char *end;
        apr_int64_t v = apr_strtoi64(opt, &end, 10);

        if (*end || v < 0 || v > INT_MAX) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, MP_LOGNO(0168)
                         "mod_python: ignoring PythonOption %s '%s' (not "
                         "a count); using %d", OPT_LOCKS, opt, locks);
        }
        else {
            locks = (int)v;
        }
    }
    *max_procs = *max_threads = 0;
    ap_mpm_query(AP_MPMQ_MAX_DAEMONS, max_procs);
    ap_mpm_query(AP_MPMQ_MAX_THREADS, max_threads);
    /* More locks than requests that can run at once buy nothing. */
    clients = (*max_procs > 0 ? *max_procs : 1)
              * (*max_threads > 0 ? *max_threads : 1);
    return locks < clients ? locks : clients;
}

/* The mechanism of option mod_python.mutex_mechanism, else the
 * platform's default. */
static apr_lockmech_e wanted_mechanism(server_rec *s)
{
    const char *opt = main_option(s, OPT_MECH);
    const char *known = NULL;
    int i;

    if (!opt) {
        return APR_LOCK_DEFAULT;
    }
    for (i = 0; mechanisms[i].name; i++) {
        if (!strcasecmp(opt, mechanisms[i].name)) {
            return mechanisms[i].mech;
        }
        known = known ? apr_pstrcat(s->process->pconf, known, ", ",
                                    mechanisms[i].name, NULL)
                      : mechanisms[i].name;
    }
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, MP_LOGNO(0169)
                 "mod_python: ignoring PythonOption %s '%s' (one of %s); "
                 "using the default", OPT_MECH, opt, known);
    return APR_LOCK_DEFAULT;
}

int mp_mutex_create(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const char *dir = main_option(s, OPT_DIR);
    int n, want, max_procs, max_threads;
    apr_lockmech_e mech;
    pid_t parent = getpid();
    apr_pool_t *pool = s->process->pool;

    if (mutexes) {
        /* A restart.  Made anew in pconf, the mutexes would be destroyed
         * under the old generation's children, still serving during a
         * graceful restart (their locks then fail with EINVAL), and the
         * two generations would not exclude each other. */
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, MP_LOGNO(0170)
                     "mod_python: keeping the %d global mutexes across the "
                     "restart.", count);
        return OK;
    }
    mech = wanted_mechanism(s);
    if (!dir) {
        dir = MP_MUTEX_DIR;
    }
    want = wanted_count(s, &max_procs, &max_threads);
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, MP_LOGNO(0160)
                 "mod_python: Creating %d global mutexes based on %d max "
                 "processes and %d max threads.", want, max_procs,
                 max_threads);
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, MP_LOGNO(0161)
                 "mod_python: using mutex_directory %s", dir);

    mutexes = apr_pcalloc(pool, (want + 1) * sizeof(*mutexes));
    lock_files = apr_pcalloc(pool, (want + 1) * sizeof(*lock_files));
    for (n = 0; n < want; n++) {
        apr_status_t rc;

        /* <dir>/mpmtx<parent pid><index> (MUTEX-files); whether a file
         * appears depends on the mechanism (fcntl and flock use one). */
        lock_files[n] = apr_psprintf(pool, "%s/mpmtx%" APR_PID_T_FMT "%d",
                                     dir, parent, n);
        rc = apr_global_mutex_create(&mutexes[n], lock_files[n], mech,
                                     pool);
#ifdef AP_NEED_SET_MUTEX_PERMS
        if (rc == APR_SUCCESS) {
            /* The children run as User/Group and must be able to use it. */
            rc = ap_unixd_set_global_mutex_perms(mutexes[n]);
        }
#endif
        if (rc != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rc, s, MP_LOGNO(0163)
                         "mod_python: Failed to create global mutex %d of "
                         "%d (%s).", n, want, lock_files[n]);
            if (n < 2) {
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            /* MUTEX-partial: carry on, and leave two of what we got to
             * other modules that may need a semaphore too. */
            apr_global_mutex_destroy(mutexes[--n]);
            if (n > 1) {
                apr_global_mutex_destroy(mutexes[--n]);
            }
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, MP_LOGNO(0164)
                         "mod_python: continuing with %d global mutexes, "
                         "so session locks are shared more; on Linux the "
                         "limit may be the number of semaphores (see "
                         "'sysctl kernel.sem').", n);
            break;
        }
    }
    count = n;
    return OK;
}

void mp_mutex_child_init(apr_pool_t *pchild, server_rec *s)
{
    int i;

    for (i = 0; i < count; i++) {
        apr_status_t rc = apr_global_mutex_child_init(&mutexes[i],
                                                      lock_files[i], pchild);

        if (rc != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rc, s, MP_LOGNO(0165)
                         "mod_python: Failed to re-attach global mutex %d "
                         "(%s) in the child.", i, lock_files[i]);
        }
    }
}

/* ------------------------------------------------------------------
 * The Python side
 */

/*
 * The automatic index of `key` (MUTEX-index, MUTEX-hash): FNV-1a over
 * the key's bytes (str as UTF-8, surrogates passed through; anything else
 * via str()), so that every process picks the same mutex for a key;
 * Python's hash() is salted per process.  Index 0 stays reserved for the
 * dbm critical sections.  -1 with an exception set on failure.
 */
static int key_index(PyObject *key)
{
    PyObject *bytes;
    const unsigned char *p, *end;
    apr_uint32_t h = 2166136261u;

    if (PyBytes_Check(key)) {
        bytes = Py_NewRef(key);
    }
    else if (PyUnicode_Check(key)) {
        bytes = PyUnicode_AsEncodedString(key, "utf-8", "surrogatepass");
    }
    else {
        PyObject *text = PyObject_Str(key);

        bytes = text ? PyUnicode_AsEncodedString(text, "utf-8",
                                                 "surrogatepass") : NULL;
        Py_XDECREF(text);
    }
    if (!bytes) {
        return -1;
    }
    p = (const unsigned char *)PyBytes_AS_STRING(bytes);
    end = p + PyBytes_GET_SIZE(bytes);
    for (; p < end; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    Py_DECREF(bytes);
    /* With a single mutex there is nothing to reserve. */
    return count > 1 ? (int)(h % (apr_uint32_t)(count - 1)) + 1 : 0;
}

enum { OP_LOCK, OP_TRYLOCK, OP_UNLOCK };

/*
 * How many times this thread holds each mutex.  Taking one it holds
 * already only counts: two sessions of one request whose ids hash to the
 * same mutex would otherwise wait on themselves forever (the original
 * deadlocked there).  NULL until the thread first locks.
 */
static __thread unsigned *held;

/* The count of `index` for this thread, or NULL when out of memory. */
static unsigned *held_count(int index)
{
    if (!held && !(held = calloc(count, sizeof(*held)))) {
        return NULL;
    }
    return &held[index];
}

static PyObject *lock_op(PyObject *module, PyObject *args, int op,
                         const char *format)
{
    mp_module_state *st = PyModule_GetState(module);
    PyObject *server, *key;
    server_rec *s;
    apr_global_mutex_t *m;
    apr_status_t rc;
    unsigned *mine;
    int index = -1;

    if (!PyArg_ParseTuple(args, format, &server, &key, &index)) {
        return NULL;
    }
    if (!PyObject_TypeCheck(server, st->server_type)) {
        PyErr_SetString(PyExc_TypeError,
                        "First argument must be a server object");
        return NULL;
    }
    s = ((mp_wrapper *)server)->rec;
    if (index == -1 && (index = key_index(key)) < 0) {
        return NULL;
    }
    if (index < 0 || index >= count) {
        MP_BLOCKING_BEGIN
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, MP_LOGNO(0162)
                     "mod_python: Lock index %d is out of range for number "
                     "of global mutex locks (%d).", index, count);
        MP_BLOCKING_END
        PyErr_SetString(PyExc_ValueError, "Lock index is out of range for "
                        "number of global mutex locks");
        return NULL;
    }
    m = mutexes[index];
    if (!(mine = held_count(index))) {
        return PyErr_NoMemory();
    }
    if (op != OP_UNLOCK && *mine) {
        ++*mine;
        if (op == OP_TRYLOCK) {
            Py_RETURN_TRUE;
        }
        Py_RETURN_NONE;
    }
    if (op == OP_UNLOCK && *mine > 1) {
        --*mine;
        Py_RETURN_NONE;
    }
    switch (op) {
    case OP_LOCK:
        /* The holder may need the GIL to get to its unlock. */
        MP_BLOCKING_BEGIN
        rc = apr_global_mutex_lock(m);
        MP_BLOCKING_END
        break;
    case OP_TRYLOCK:
        rc = apr_global_mutex_trylock(m);
        if (APR_STATUS_IS_EBUSY(rc)) {
            Py_RETURN_FALSE;
        }
        break;
    default:
        rc = apr_global_mutex_unlock(m);
        break;
    }
    if (rc != APR_SUCCESS) {
        MP_BLOCKING_BEGIN
        ap_log_error(APLOG_MARK, APLOG_ERR, rc, s, MP_LOGNO(0166)
                     "mod_python: Failed to %s global mutex lock %d.",
                     op == OP_UNLOCK ? "release" : "acquire", index);
        MP_BLOCKING_END
        PyErr_SetString(PyExc_ValueError, op == OP_UNLOCK
                        ? "Failed to release global mutex lock"
                        : "Failed to acquire global mutex lock");
        return NULL;
    }
    *mine = op == OP_UNLOCK ? 0 : 1;
    if (op == OP_TRYLOCK) {
        Py_RETURN_TRUE;
    }
    Py_RETURN_NONE;
}

PyObject *mp_mutex_py_lock(PyObject *module, PyObject *args)
{
    return lock_op(module, args, OP_LOCK, "OO|i:_global_lock");
}

PyObject *mp_mutex_py_trylock(PyObject *module, PyObject *args)
{
    return lock_op(module, args, OP_TRYLOCK, "OO|i:_global_trylock");
}

PyObject *mp_mutex_py_unlock(PyObject *module, PyObject *args)
{
    return lock_op(module, args, OP_UNLOCK, "OO|i:_global_unlock");
}
