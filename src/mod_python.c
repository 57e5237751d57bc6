/*
 * mod_python: the module record, its directives and its hooks.  The work
 * is done elsewhere: config.c, interp.c, handlers.c, filters.c.
 */
#include "mod_python.h"
#include "config.h"
#include "interp.h"
#include "handlers.h"
#include "cleanups.h"
#include "ssi.h"
#include "api.h"
#include "mutex.h"

#include "unixd.h"

/* Add mod_python/<version> and Python/<X.Y.Z> to the server tokens
 * (PH-start-tokens), and make the global mutexes (PH-start-mutex); stop
 * on PythonVirtualEnv settings that cannot work. */
static int mp_hook_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    char pyversion[32];
    const char *space;
    /* Each PythonVirtualEnv to its interpreter, before the children
     * start (and inherit the table). */
    const char *err = mp_config_resolve_environments(pconf, s);

    apr_cpystrn(pyversion, Py_GetVersion(), sizeof(pyversion));
    if ((space = strchr(pyversion, ' '))) {
        pyversion[space - pyversion] = '\0';
    }
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, MP_LOGNO(0190) "%s",
                     err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_add_version_component(pconf, "mod_python/" MP_VERSION_STRING);
    ap_add_version_component(pconf, apr_pstrcat(ptemp, "Python/",
                                                pyversion, NULL));
    mp_ssi_register();
    /* The first of httpd's two start-up passes only checks the
     * configuration; its pool is thrown away (PH-start-twopass). */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    return mp_mutex_create(pconf, ptemp, s);
}

/*
 * A child started as root that still is root although User/Group name
 * someone else: dropping privileges failed.  httpd logs that (AH02156 and
 * friends) but, as seen with 2.4 in a user namespace that cannot map the
 * ids, carries on; user code must never run as root, so end the child as
 * httpd does for a fatal child error (the parent then stops).
 */
static void exit_if_still_root(server_rec *s)
{
    if ((geteuid() == 0 && ap_unixd_config.user_id != 0)
        || (getegid() == 0 && ap_unixd_config.group_id != 0)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MP_LOGNO(0172)
                     "mod_python: this child still runs as root (uid %ld, "
                     "gid %ld) instead of User/Group (%ld/%ld): dropping "
                     "privileges failed; exiting.", (long)geteuid(),
                     (long)getegid(), (long)ap_unixd_config.user_id,
                     (long)ap_unixd_config.group_id);
        exit(APEXIT_CHILDFATAL);
    }
}

/* Python starts in each child, never in the parent (STYLE). */
static void mp_hook_child_init(apr_pool_t *pchild, server_rec *s)
{
    exit_if_still_root(s);
    mp_cleanup_init(pchild);
    mp_mutex_child_init(pchild, s);
    if (mp_interp_start_python(pchild, s) != APR_SUCCESS) {
        return;
    }
    mp_handlers_run_imports(s);
}

static void mp_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(mp_hook_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mp_hook_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    mp_handlers_register_hooks(p);
    mp_api_register();
}

module AP_MODULE_DECLARE_DATA python_module = {
    STANDARD20_MODULE_STUFF,
    mp_config_dir_create,
    mp_config_dir_merge,
    mp_config_server_create,
    mp_config_server_merge,
    mp_commands,
    mp_register_hooks
};
