/*
 * Configuration: the per-server and per-directory records, their merging,
 * and the directive handlers (directives.md).
 */
#ifndef MP_CONFIG_H
#define MP_CONFIG_H

#include "mod_python.h"

/*
 * One handler or filter entry: a word of a Python*Handler directive, an
 * entry added by req.add_handler(), or a configured/registered filter.
 * Allocated in the pool of whoever made it; never freed individually.
 */
typedef struct mp_handler {
    const char *spec;           /* "module[::object]" as written */
    const char *directory;      /* recorded directory (DIR-ctx-*) or NULL */
    ap_regex_t *dir_regex;      /* set for <Directory ~ re>/<DirectoryMatch> */
    int dir_is_wild;            /* <Directory> with fnmatch wildcards */
    int is_location;            /* configured inside a <Location> */
    int silent;                 /* PythonHandlerModule entry */
} mp_handler;

/* Per-directory configuration (also the S/V level defaults). */
typedef struct {
    /* handler lists: key "PythonHandler" or "PythonHandler.ext" ->
     * apr_array_header_t of mp_handler */
    apr_hash_t *handlers;
    apr_table_t *directives;    /* what req.get_config() shows */
    apr_table_t *options;       /* PythonOption; "" marks an unset key */
    apr_hash_t *input_filters;  /* lower-cased name -> mp_handler */
    apr_hash_t *output_filters;
    const char *section;        /* path of the section (cmd->path) */
    const ap_directive_t *section_node; /* its config node, for requires() */
    int in_location;            /* section is a <Location> with handlers */
    /* PythonVirtualEnv of this very section (not in get_config); read at
     * start-up only, so never merged. */
    const char *virtual_env;
} mp_dir_conf;

/* Per-server configuration: server-level copies (DIR-merge-server). */
typedef struct {
    apr_table_t *directives;
    apr_table_t *options;
    mp_handler *connection_handler;    /* PythonConnectionHandler */
    apr_array_header_t *imports;       /* PythonImport, in order written */
    const char *virtual_env;           /* server-level PythonVirtualEnv */
} mp_server_conf;

/* A PythonImport entry. */
typedef struct {
    const char *spec;           /* "module[::function]" */
    const char *interpreter;
} mp_import;

extern const command_rec mp_commands[];

void *mp_config_dir_create(apr_pool_t *p, char *dir);
void *mp_config_dir_merge(apr_pool_t *p, void *base, void *add);
void *mp_config_server_create(apr_pool_t *p, server_rec *s);
void *mp_config_server_merge(apr_pool_t *p, void *base, void *add);

/* The optimisation level requested by PythonOptimize (0 or 2). */
int mp_config_optimize(void);

/* PythonHome, or NULL for the built-in default. */
const char *mp_config_python_home(void);

/*
 * Match each PythonVirtualEnv to the interpreter that serves its context
 * (PythonInterpreter of the section, else of the server, else the virtual
 * host's name).  Called once the configuration is read (post_config);
 * returns NULL, or a message when the configuration cannot work.
 */
const char *mp_config_resolve_environments(apr_pool_t *p, server_rec *s);

/* The interpreter a virtual host uses unless told otherwise: the one named
 * after its ServerName (PH-interp-select).  Never NULL. */
const char *mp_config_default_interpreter(server_rec *s);

/* The site-packages directory to add to interpreter `interp` when it is
 * created, or NULL. */
const char *mp_config_virtual_env(const char *interp);

/* Convenience accessors; never NULL for a live request/server. */
mp_dir_conf *mp_config_dir(request_rec *r);
mp_server_conf *mp_config_server(server_rec *s);

/*
 * Make the list of handler entries that applies to phase `phase` (e.g.
 * "PythonHandler") for `r`: the `phase<ext>` list when req.filename has an
 * extension with a list of its own, else the plain one.  *ext receives the
 * extension used (NULL when none).  Returns NULL when nothing is
 * configured.  Wildcard directories are not resolved here.
 */
apr_array_header_t *mp_config_handlers(request_rec *r, const char *phase,
                                       const char **ext);

/*
 * The directory recorded for `h` as seen from request `r`: wildcard and
 * regex <Directory> patterns are resolved against r->filename
 * (DIR-ctx-directory-wild).  Result in r->pool, or h->directory.
 */
const char *mp_config_resolve_directory(request_rec *r, const mp_handler *h);

/* `dir` made absolute and canonical (symlinks resolved when possible),
 * with a trailing '/' (DIR-ctx-directory, DIR-ctx-dynamic); in `p`. */
const char *mp_config_canonical_dir(apr_pool_t *p, const char *dir);

/* The extension of a filename per DIR-syntax-ext-match, or NULL. */
const char *mp_config_extension(apr_pool_t *p, const char *filename);

#endif /* MP_CONFIG_H */
