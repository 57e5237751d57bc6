/*
 * Python start-up, the per-process interpreter table and the GIL
 * (phases-and-handlers.md 9-10; STYLE "Interpreters and the GIL").
 */
#include "interp.h"
#include "log.h"
#include "config.h"
#include "serverobject.h"

/* Everything here lives in the child's pool and is guarded by table_lock,
 * except what only the owning thread touches (the __thread variables). */
static apr_pool_t *interp_pool;
static apr_thread_mutex_t *table_lock;
static apr_hash_t *interps;            /* name -> mp_interp */
static int interp_count;
static server_rec *main_server;
static int python_started;

/* This thread's own thread state for each interpreter, by index. */
static __thread PyThreadState **thread_states;
static __thread int thread_states_len;

/* The stack of entries of this thread (nested acquires). */
#define MP_MAX_NESTING 64
static __thread struct {
    mp_interp *interp;
    PyThreadState *outer;   /* state attached before this entry, or NULL */
} entries[MP_MAX_NESTING];
static __thread int depth;
/* The thread state this thread has attached now, or NULL (GIL free). */
static __thread PyThreadState *attached;

int mp_interp_python_started(void)
{
    return python_started;
}

mp_interp *mp_interp_current(void)
{
    return depth ? entries[depth - 1].interp : NULL;
}

void *mp_interp_suspend(void)
{
    PyThreadState *ts = PyEval_SaveThread();

    attached = NULL;
    return ts;
}

void mp_interp_resume(void *saved)
{
    PyEval_RestoreThread(saved);
    attached = saved;
}

/* Room in this thread's table for index `index`; 0 or -1. */
static int thread_slot(int index)
{
    if (index >= thread_states_len) {
        int len = index + 8;
        PyThreadState **grown = realloc(thread_states,
                                        len * sizeof(*grown));

        if (!grown) {
            return -1;
        }
        memset(grown + thread_states_len, 0,
               (len - thread_states_len) * sizeof(*grown));
        thread_states = grown;
        thread_states_len = len;
    }
    return 0;
}

/* This thread's state for `interp`, created on first use. */
static PyThreadState *thread_state(mp_interp *interp)
{
    if (thread_slot(interp->index) < 0) {
        return NULL;
    }
    if (!thread_states[interp->index]) {
        /* Needs no GIL.  The first state made on a thread, in whatever
         * interpreter, becomes its PyGILState state: make that the main
         * interpreter's (index 0), so that extensions using that API
         * work there whichever interpreter the thread served first
         * (PH-interp-gilstate). */
        if (interp->index != 0 && !thread_states[0]) {
            thread_states[0] = PyThreadState_New(PyInterpreterState_Main());
        }
        thread_states[interp->index] = PyThreadState_New(interp->istate);
    }
    return thread_states[interp->index];
}

/* Adopt `ts`, made by Python itself, as this thread's state for `interp`
 * (making none of our own: it would only leak). */
static void remember_thread_state(mp_interp *interp, PyThreadState *ts)
{
    if (thread_slot(interp->index) == 0) {
        thread_states[interp->index] = ts;
    }
}

static mp_interp *new_entry(const char *name)
{
    mp_interp *interp = apr_pcalloc(interp_pool, sizeof(*interp));

    interp->name = apr_pstrdup(interp_pool, name);
    interp->index = interp_count++;
    apr_hash_set(interps, interp->name, APR_HASH_KEY_STRING, interp);
    return interp;
}

/* Log a version mismatch between this module and the package. */
static void check_version(PyObject *apache)
{
    PyObject *pkg = PyImport_ImportModule("mod_python.version");
    PyObject *version = pkg ? PyObject_GetAttrString(pkg, "version") : NULL;
    const char *found = version ? PyUnicode_AsUTF8(version) : NULL;

    if (found && strcmp(found, MP_VERSION_STRING)) {
        PyObject *file = PyObject_GetAttrString(apache, "__file__");
        const char *where = file ? PyUnicode_AsUTF8(file) : NULL;

        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     MP_LOGNO(0001) "mod_python version mismatch, expected "
                     "'%s', found '%s'.", MP_VERSION_STRING, found);
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     MP_LOGNO(0002) "Python package of mod_python: %s",
                     where ? where : "(unknown)");
        Py_XDECREF(file);
    }
    PyErr_Clear();
    Py_XDECREF(version);
    Py_XDECREF(pkg);
}

/*
 * Put the site-packages of the virtual environment configured for `interp`
 * (PythonVirtualEnv) on its sys.path as site.addsitedir() does, so its
 * .pth files count, but ahead of the system's site directories.  GIL
 * held, in the new interpreter, before anything is imported from the
 * path.  Failure is logged; the interpreter goes on without it.
 */
static const char venv_code[] =
    "import site, sys\n"
    "before = list(sys.path)\n"
    "site.addsitedir(site_dir)\n"
    "added = [p for p in sys.path if p not in before]\n"
    "system = set(site.getsitepackages())\n"
    "at = next((i for i, p in enumerate(before) if p in system),\n"
    "          len(before))\n"
    "sys.path[:] = before[:at] + added + before[at:]\n";

static void add_virtual_env(mp_interp *interp)
{
    const char *site_dir = mp_config_virtual_env(interp->name);
    PyObject *globals, *dir, *res = NULL;

    if (!site_dir) {
        return;
    }
    globals = PyDict_New();
    dir = PyUnicode_DecodeFSDefault(site_dir);
    if (globals && dir
        && PyDict_SetItemString(globals, "__builtins__",
                                PyEval_GetBuiltins()) == 0
        && PyDict_SetItemString(globals, "site_dir", dir) == 0) {
        res = PyRun_String(venv_code, Py_file_input, globals, globals);
    }
    if (res) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, main_server, MP_LOGNO(0191)
                     "interpreter '%s': added virtual environment %s",
                     interp->name, site_dir);
    }
    else {
        mp_log_python_error(NULL, main_server, APLOG_ERR, MP_LOGNO(0192)
                            "could not add a virtual environment to an "
                            "interpreter");
        PyErr_Clear();
    }
    Py_XDECREF(res);
    Py_XDECREF(dir);
    Py_XDECREF(globals);
}

/*
 * First use of an interpreter (GIL held, in it): import mod_python.apache
 * and make its dispatcher (PH-interp-setup).  -1 on failure, logged.
 */
static int setup(mp_interp *interp)
{
    PyObject *apache, *cmod = NULL, *server = NULL;

    apache = PyImport_ImportModule("mod_python.apache");
    if (!apache) {
        PyObject *sys_path = PySys_GetObject("path");     /* borrowed */
        PyObject *repr;

        mp_log_python_error(NULL, main_server, APLOG_ERR, MP_LOGNO(0003)
                            "make_obcallback: could not import "
                            "mod_python.apache.");
        repr = sys_path ? PyObject_Repr(sys_path) : NULL;
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, main_server, MP_LOGNO(0004)
                     "make_obcallback: Python path being used \"%s\".",
                     repr ? PyUnicode_AsUTF8(repr) : "?");
        Py_XDECREF(repr);
        PyErr_Clear();
        return -1;
    }
    check_version(apache);
    cmod = PyImport_ImportModule("_apache");
    if (!cmod) {
        goto error;
    }
    interp->state = PyModule_GetState(cmod);
    /* The _apache module stays alive in sys.modules; keep our own
     * reference so that its state can never go away under us. */
    server = mp_server_new(interp->state, main_server);
    if (!server) {
        goto error;
    }
    interp->callback = PyObject_CallMethod(apache, "init", "sO",
                                           interp->name, server);
    if (!interp->callback) {
        goto error;
    }
    Py_DECREF(server);
    Py_DECREF(apache);
    return 0;

error:
    mp_log_python_error(NULL, main_server, APLOG_ERR, MP_LOGNO(0005)
                        "mod_python: could not set up the interpreter");
    interp->state = NULL;
    Py_XDECREF(cmod);
    Py_XDECREF(server);
    Py_DECREF(apache);
    return -1;
}

/*
 * Find `name` in the table, creating the interpreter when missing.  The
 * GIL must be free.  Creation runs under the table lock: nobody waits for
 * that lock while holding the GIL, so taking the GIL here is safe.
 */
static mp_interp *find_or_create(const char *name, int *fresh)
{
    /* The interpreter this thread used last: entries are never removed
     * or renamed, so it can be reused without the table lock, which every
     * request of a threaded MPM would otherwise queue on. */
    static __thread mp_interp *last;
    mp_interp *interp;

    *fresh = 0;
    if (last && !strcmp(last->name, name)) {
        return last;
    }
    apr_thread_mutex_lock(table_lock);
    interp = apr_hash_get(interps, name, APR_HASH_KEY_STRING);
    if (!interp) {
        mp_interp *main_interp = apr_hash_get(interps, MP_MAIN_INTERPRETER,
                                              APR_HASH_KEY_STRING);
        PyThreadState *main_ts = thread_state(main_interp);
        PyThreadState *ts;

        PyEval_AcquireThread(main_ts);
        ts = Py_NewInterpreter();
        if (ts) {
            interp = new_entry(name);
            interp->istate = PyThreadState_GetInterpreter(ts);
            remember_thread_state(interp, ts);
            add_virtual_env(interp);
            /* Set it up before other threads can find it in the table:
             * else two of them could both run the set-up. */
            setup(interp);
            *fresh = 1;
            /* Leave the GIL as we found it: free, main state current. */
            PyThreadState_Swap(main_ts);
        }
        PyEval_ReleaseThread(main_ts);
        if (!interp) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, main_server,
                         MP_LOGNO(0006) "python_handler: Can't get/create "
                         "interpreter '%s'.", name);
        }
    }
    apr_thread_mutex_unlock(table_lock);
    last = interp;
    return interp;
}

mp_interp *mp_interp_acquire(const char *name, server_rec *s)
{
    mp_interp *interp;
    PyThreadState *ts, *outer = attached;
    int fresh;

    if (!python_started || depth >= MP_MAX_NESTING) {
        return NULL;
    }
    if (outer) {
        /* Nested entry with the GIL held: let go of it while we may wait
         * for the table lock. */
        PyEval_SaveThread();
        attached = NULL;
    }
    interp = find_or_create(name, &fresh);
    ts = interp ? thread_state(interp) : NULL;
    if (!ts) {
        if (outer) {
            PyEval_RestoreThread(outer);
            attached = outer;
        }
        return NULL;
    }
    PyEval_AcquireThread(ts);
    attached = ts;
    entries[depth].interp = interp;
    entries[depth].outer = outer;
    depth++;
    /* A set-up that failed is tried again on later uses. */
    if (!interp->callback && (fresh || setup(interp) < 0)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, MP_LOGNO(0007)
                     "python_handler: Can't get/create interpreter.");
        mp_interp_release(interp);
        return NULL;
    }
    return interp;
}

void mp_interp_release(mp_interp *interp)
{
    PyThreadState *outer;

    depth--;
    outer = entries[depth].outer;
    PyEval_ReleaseThread(attached);
    attached = NULL;
    if (outer) {
        PyEval_RestoreThread(outer);
        attached = outer;
    }
}

#ifdef MP_SETUP_PY
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * The program Python starts from, in a pip build.  Its mod_python.so sits
 * in the package directory, <prefix>/lib/pythonX.Y/site-packages/
 * mod_python/: when <prefix> is a virtual environment, start from its
 * python3, so that a wheel works in whatever venv it was installed into
 * (Python then takes the venv as sys.prefix).  Else the Python that ran
 * the build.
 */
static const char *program_name(apr_pool_t *p)
{
    Dl_info info;
    char real[PATH_MAX];
    char *prefix;
    const char *python;
    int up;

    if (!dladdr((void *)program_name, &info) || !info.dli_fname
        || !realpath(info.dli_fname, real)) {
        return MP_PYTHON_EXECUTABLE;
    }
    prefix = apr_pstrdup(p, real);
    /* mod_python.so, mod_python/, site-packages/, pythonX.Y/, lib/ */
    for (up = 0; up < 5; up++) {
        char *slash = strrchr(prefix, '/');

        if (!slash || slash == prefix) {
            return MP_PYTHON_EXECUTABLE;
        }
        *slash = '\0';
    }
    python = apr_pstrcat(p, prefix, "/bin/python3", NULL);
    if (access(apr_pstrcat(p, prefix, "/pyvenv.cfg", NULL), R_OK) == 0
        && access(python, X_OK) == 0) {
        return python;
    }
    return MP_PYTHON_EXECUTABLE;
}
#else
#define program_name(p) MP_PYTHON_EXECUTABLE
#endif

/*
 * Child exit (a pchild cleanup, registered after Python started, so it
 * runs after the apache.register_cleanup callbacks): each interpreter
 * runs its atexit callbacks.  Python itself is not finalised
 * (PH-child-exit): an MPM worker thread that has not returned may still
 * own a thread state, Py_EndInterpreter and Py_FinalizeEx would then
 * abort the process, and threading._shutdown would wait for any
 * non-daemon thread user code started, holding the child past httpd's
 * stop timeout.  Running the callbacks needs none of that.
 */
static apr_status_t run_atexit(void *unused)
{
    apr_array_header_t *names = apr_array_make(interp_pool, 4,
                                               sizeof(const char *));
    apr_hash_index_t *hi;
    int i;

    /* Acquire takes table_lock: collect the names first. */
    apr_thread_mutex_lock(table_lock);
    for (hi = apr_hash_first(interp_pool, interps); hi;
         hi = apr_hash_next(hi)) {
        mp_interp *interp = apr_hash_this_val(hi);

        if (interp->callback) {
            APR_ARRAY_PUSH(names, const char *) = interp->name;
        }
    }
    apr_thread_mutex_unlock(table_lock);
    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        mp_interp *interp = mp_interp_acquire(name, main_server);
        PyObject *atexit, *result = NULL;

        if (!interp) {
            continue;
        }
        atexit = PyImport_ImportModule("atexit");
        if (atexit) {
            /* Errors of the callbacks are reported on sys.stderr, which
             * is the error log, by atexit itself. */
            result = PyObject_CallMethod(atexit, "_run_exitfuncs", NULL);
            Py_DECREF(atexit);
        }
        if (!result) {
            mp_log_python_error(NULL, main_server, APLOG_ERR, MP_LOGNO(0171)
                                "mod_python: atexit callbacks failed");
        }
        Py_XDECREF(result);
        mp_interp_release(interp);
    }
    return APR_SUCCESS;
}

apr_status_t mp_interp_start_python(apr_pool_t *pchild, server_rec *s)
{
    PyConfig config;
    PyStatus status;
    mp_interp *main_interp;
    const char *home = NULL;

    main_server = s;
    interp_pool = pchild;
    interps = apr_hash_make(pchild);
    apr_thread_mutex_create(&table_lock, APR_THREAD_MUTEX_DEFAULT, pchild);

    if (PyImport_AppendInittab("_apache", PyInit__apache) < 0) {
        return APR_EGENERAL;
    }
    PyConfig_InitPythonConfig(&config);
    /* httpd owns the signals; no argv; no user site (PH-start-pyinit). */
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    config.user_site_directory = 0;
    config.optimization_level = mp_config_optimize();
    /* Python finds its prefix from the interpreter it was built for, not
     * from whatever `python3` PATH happens to hold. */
    status = PyConfig_SetBytesString(&config, &config.program_name,
                                     program_name(pchild));
    /* PythonHome wins over what the program name implies, as PYTHONHOME
     * would; config.c checked that it holds a standard library. */
    if (!PyStatus_Exception(status) && (home = mp_config_python_home())) {
        status = PyConfig_SetBytesString(&config, &config.home, home);
    }
    if (!PyStatus_Exception(status)) {
        status = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MP_LOGNO(0008)
                     "mod_python: Python failed to start: %s%s%s (Python "
                     "home: %s)", status.func ? status.func : "",
                     status.func ? ": " : "",
                     status.err_msg ? status.err_msg : "unknown error",
                     home ? home : "built-in");
        return APR_EGENERAL;
    }
    main_interp = new_entry(MP_MAIN_INTERPRETER);
    main_interp->istate = PyInterpreterState_Main();
    remember_thread_state(main_interp, PyThreadState_Get());
    add_virtual_env(main_interp);
    PyEval_SaveThread();
    python_started = 1;
    apr_pool_cleanup_register(pchild, NULL, run_atexit,
                              apr_pool_cleanup_null);

    /* Set up the main interpreter now, so that start-up problems (such
     * as a version mismatch) show at start-up. */
    if ((main_interp = mp_interp_acquire(MP_MAIN_INTERPRETER, s))) {
        mp_interp_release(main_interp);
    }
    return APR_SUCCESS;
}
