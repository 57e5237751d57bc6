/*
 * Configuration records, merging and directive handlers (directives.md).
 */
#include "config.h"
#include "filters.h"
#include "apr_fnmatch.h"

static int optimize_level;

static void mp_config_reset_environments(void);

int mp_config_optimize(void)
{
    return optimize_level;
}

mp_dir_conf *mp_config_dir(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &python_module);
}

mp_server_conf *mp_config_server(server_rec *s)
{
    return ap_get_module_config(s->module_config, &python_module);
}

void *mp_config_dir_create(apr_pool_t *p, char *dir)
{
    mp_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->handlers = apr_hash_make(p);
    conf->directives = apr_table_make(p, 4);
    conf->options = apr_table_make(p, 4);
    conf->input_filters = apr_hash_make(p);
    conf->output_filters = apr_hash_make(p);
    conf->section = dir;
    return conf;
}

/* Copy `base`, then let each key of `add` replace it (DIR-merge-flags). */
static apr_table_t *overlay_by_key(apr_pool_t *p, const apr_table_t *base,
                                   const apr_table_t *add)
{
    apr_table_t *merged = apr_table_copy(p, base);
    const apr_array_header_t *arr = apr_table_elts(add);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        apr_table_set(merged, e[i].key, e[i].val);
    }
    return merged;
}

void *mp_config_dir_merge(apr_pool_t *p, void *basev, void *addv)
{
    mp_dir_conf *base = basev, *add = addv;
    mp_dir_conf *merged = apr_pcalloc(p, sizeof(*merged));

    /* Lists per key: a section that defines a key replaces the inherited
     * list entirely (DIR-merge-handlers); so do filters per name. */
    merged->handlers = apr_hash_overlay(p, add->handlers, base->handlers);
    merged->input_filters = apr_hash_overlay(p, add->input_filters,
                                             base->input_filters);
    merged->output_filters = apr_hash_overlay(p, add->output_filters,
                                              base->output_filters);
    merged->directives = overlay_by_key(p, base->directives,
                                        add->directives);
    merged->options = overlay_by_key(p, base->options, add->options);
    /* The most specific section decides (DIR-merge-location). */
    merged->section = add->section;
    merged->in_location = add->in_location;
    merged->section_node = add->section_node ? add->section_node
                                             : base->section_node;
    return merged;
}

void *mp_config_server_create(apr_pool_t *p, server_rec *s)
{
    mp_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    /* The main server's record comes first on every reading of the
     * config: a restart without PythonOptimize On goes back to 0. */
    if (!s->is_virtual) {
        optimize_level = 0;
        mp_config_reset_environments();
    }

    conf->directives = apr_table_make(p, 4);
    conf->options = apr_table_make(p, 4);
    conf->imports = apr_array_make(p, 2, sizeof(mp_import));
    return conf;
}

void *mp_config_server_merge(apr_pool_t *p, void *basev, void *addv)
{
    mp_server_conf *base = basev, *add = addv;
    mp_server_conf *merged = apr_pcalloc(p, sizeof(*merged));

    merged->directives = overlay_by_key(p, base->directives,
                                        add->directives);
    merged->options = overlay_by_key(p, base->options, add->options);
    merged->connection_handler = add->connection_handler
        ? add->connection_handler : base->connection_handler;
    merged->virtual_env = add->virtual_env ? add->virtual_env
                                           : base->virtual_env;
    /* Only the main server's imports ever run (DIR-PythonImport). */
    merged->imports = add->imports;
    return merged;
}

/* ----------------------------------------------------------------------
 * Where an entry was configured (directives.md 3.1)
 */

/* The first word of a section's arguments, without the closing '>'. */
static const char *section_arg(apr_pool_t *p, const char *args,
                               const char **second)
{
    char *text = apr_pstrdup(p, args);
    char *gt = strrchr(text, '>');
    const char *first;

    if (gt) {
        *gt = '\0';
    }
    first = ap_getword_conf(p, (const char **)&text);
    *second = ap_getword_conf(p, (const char **)&text);
    return first;
}

static const char *with_slash(apr_pool_t *p, const char *dir)
{
    size_t n = strlen(dir);

    return (n && dir[n - 1] == '/') ? dir : apr_pstrcat(p, dir, "/", NULL);
}

const char *mp_config_canonical_dir(apr_pool_t *p, const char *dir)
{
    char *truename;

    if (apr_filepath_merge(&truename, NULL, dir, APR_FILEPATH_TRUENAME,
                           p) == APR_SUCCESS) {
        dir = truename;
    }
    return with_slash(p, dir);
}

/* The directory of the .htaccess file being read. */
static const char *htaccess_dir(cmd_parms *cmd)
{
    const char *name = cmd->config_file ? cmd->config_file->name : NULL;
    const char *slash = name ? strrchr(name, '/') : NULL;

    if (!slash) {
        return cmd->path;
    }
    return apr_pstrmemdup(cmd->pool, name, slash - name + 1);
}

/* Fill in where `h` was configured, from the section `cmd` is in. */
static const char *record_directory(cmd_parms *cmd, mp_handler *h)
{
    const ap_directive_t *sec = cmd->directive ? cmd->directive->parent
                                               : NULL;
    const char *arg, *arg2;

    /* <Files> and <FilesMatch> wrappers are skipped (DIR-ctx-files). */
    while (sec && (!strcasecmp(sec->directive, "<Files")
                   || !strcasecmp(sec->directive, "<FilesMatch"))) {
        sec = sec->parent;
    }
    if (!sec) {
        /* Only .htaccess files are read without RSRC_CONF or ACCESS_CONF
         * in the override mask.  There the directory is the file's, also
         * inside a <Files>, where cmd->path holds the file pattern. */
        if (!(cmd->override & (RSRC_CONF | ACCESS_CONF))) {
            h->directory = mp_config_canonical_dir(cmd->pool,
                                                   htaccess_dir(cmd));
        }
        return NULL;
    }
    arg = section_arg(cmd->temp_pool, sec->args, &arg2);
    if (!strcasecmp(sec->directive, "<Location")
        || !strcasecmp(sec->directive, "<LocationMatch")) {
        h->directory = apr_pstrdup(cmd->pool,
                                   strcmp(arg, "~") ? arg : arg2);
        h->is_location = 1;
    }
    else if (!strcasecmp(sec->directive, "<Directory")
             || !strcasecmp(sec->directive, "<DirectoryMatch")) {
        int is_regex = !strcasecmp(sec->directive, "<DirectoryMatch")
                       || !strcmp(arg, "~");
        const char *pattern = strcmp(arg, "~") ? arg : arg2;

        if (is_regex) {
            h->directory = apr_pstrdup(cmd->pool, pattern);
            h->dir_regex = ap_pregcomp(cmd->pool, pattern, AP_REG_EXTENDED);
            if (!h->dir_regex) {
                return apr_psprintf(cmd->pool, "Bad regular expression "
                                    "'%s' in %s", pattern, sec->directive);
            }
        }
        else if (apr_fnmatch_test(pattern)) {
            h->directory = apr_pstrdup(cmd->pool, pattern);
            h->dir_is_wild = 1;
        }
        else {
            h->directory = mp_config_canonical_dir(cmd->pool, pattern);
        }
    }
    else if (cmd->path) {
        /* <If>, <VirtualHost>-nested sections and the like. */
        h->directory = with_slash(cmd->pool, cmd->path);
    }
    return NULL;
}

static int prefix_matches(const mp_handler *h, const char *prefix)
{
    if (h->dir_regex) {
        return ap_regexec(h->dir_regex, prefix, 0, NULL, 0) == 0;
    }
    return apr_fnmatch(h->directory, prefix, APR_FNM_PATHNAME)
           == APR_SUCCESS;
}

const char *mp_config_resolve_directory(request_rec *r, const mp_handler *h)
{
    const char *slash;

    if (!(h->dir_is_wild || h->dir_regex) || !r->filename) {
        return h->directory;
    }
    /* The shortest directory prefix of the filename that matches, tried
     * without and with its trailing slash. */
    for (slash = strchr(r->filename + 1, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        const char *bare = apr_pstrmemdup(r->pool, r->filename,
                                          slash - r->filename);
        const char *dir = apr_pstrcat(r->pool, bare, "/", NULL);

        if (prefix_matches(h, bare) || prefix_matches(h, dir)) {
            return dir;
        }
    }
    return h->directory;
}

/* ----------------------------------------------------------------------
 * Handler lists
 */

const char *mp_config_extension(apr_pool_t *p, const char *filename)
{
    const char *base = strrchr(filename, '/');
    const char *dot;

    base = base ? base + 1 : filename;
    dot = strchr(base, '.');
    return dot ? apr_pstrdup(p, dot) : NULL;
}

apr_array_header_t *mp_config_handlers(request_rec *r, const char *phase,
                                       const char **ext)
{
    mp_dir_conf *conf = mp_config_dir(r);
    apr_array_header_t *list = NULL;

    *ext = NULL;
    if (r->filename) {
        const char *e = mp_config_extension(r->pool, r->filename);

        if (e) {
            list = apr_hash_get(conf->handlers,
                                apr_pstrcat(r->pool, phase, e, NULL),
                                APR_HASH_KEY_STRING);
            if (list) {
                *ext = e;
            }
        }
    }
    if (!list) {
        list = apr_hash_get(conf->handlers, phase, APR_HASH_KEY_STRING);
    }
    return list;
}

/* Append an entry for `spec` to the list under `key` of this section. */
static const char *add_handler(cmd_parms *cmd, mp_dir_conf *conf,
                               const char *key, const char *spec,
                               int silent)
{
    apr_array_header_t *list = apr_hash_get(conf->handlers, key,
                                            APR_HASH_KEY_STRING);
    mp_handler *h;
    const char *err;

    if (!list) {
        list = apr_array_make(cmd->pool, 1, sizeof(mp_handler));
        apr_hash_set(conf->handlers, apr_pstrdup(cmd->pool, key),
                     APR_HASH_KEY_STRING, list);
    }
    h = apr_array_push(list);
    memset(h, 0, sizeof(*h));
    h->spec = apr_pstrdup(cmd->pool, spec);
    h->silent = silent;
    if (cmd->directive) {
        conf->section_node = cmd->directive->parent;
    }
    if ((err = record_directory(cmd, h)) != NULL) {
        return err;
    }
    if (h->is_location) {
        conf->in_location = 1;
    }
    return NULL;
}

/*
 * Split "spec spec | .ext .ext" into its handler words and extensions.
 * Both arrays hold const char *.
 */
static void split_handler_args(apr_pool_t *p, const char *args,
                               apr_array_header_t **specs,
                               apr_array_header_t **exts)
{
    const char *bar = strchr(args, '|');
    const char *before = bar ? apr_pstrmemdup(p, args, bar - args) : args;
    const char *word;

    *specs = apr_array_make(p, 2, sizeof(const char *));
    *exts = apr_array_make(p, 1, sizeof(const char *));
    while (apr_isspace(*before)) {
        before++;
    }
    while (*(word = ap_getword_white(p, &before))) {
        *(const char **)apr_array_push(*specs) = word;
    }
    if (bar) {
        const char *after = bar + 1;

        /* ap_getword_white() stops at once on leading space. */
        while (apr_isspace(*after)) {
            after++;
        }
        while (*(word = ap_getword_white(p, &after))) {
            *(const char **)apr_array_push(*exts) = word;
        }
    }
}

static int phase_takes_ext(const char *phase)
{
    return strcmp(phase, "PythonPostReadRequestHandler")
           && strcmp(phase, "PythonTransHandler");
}

/* Add `spec` (silent or not) to `phase`, once per extension if any. */
static const char *add_to_phase(cmd_parms *cmd, mp_dir_conf *conf,
                                const char *phase, const char *spec,
                                const apr_array_header_t *exts, int silent)
{
    const char *err;
    int i;

    if (exts->nelts == 0) {
        return add_handler(cmd, conf, phase, spec, silent);
    }
    for (i = 0; i < exts->nelts; i++) {
        const char *key = apr_pstrcat(cmd->temp_pool, phase,
                                      APR_ARRAY_IDX(exts, i, const char *),
                                      NULL);

        if ((err = add_handler(cmd, conf, key, spec, silent)) != NULL) {
            return err;
        }
    }
    return NULL;
}

static const char *mp_cmd_handler(cmd_parms *cmd, void *mconfig,
                                  const char *args)
{
    const char *phase = cmd->cmd->name;
    apr_array_header_t *specs, *exts;
    const char *err;
    int i;

    split_handler_args(cmd->temp_pool, args, &specs, &exts);
    if (exts->nelts && !phase_takes_ext(phase)) {
        return apr_psprintf(cmd->pool,
                            "%s does not accept \"| .ext\" syntax.", phase);
    }
    if (specs->nelts == 0) {
        return apr_psprintf(cmd->pool, "%s requires a handler", phase);
    }
    for (i = 0; i < specs->nelts; i++) {
        err = add_to_phase(cmd, mconfig, phase,
                           APR_ARRAY_IDX(specs, i, const char *), exts, 0);
        if (err) {
            return err;
        }
    }
    return NULL;
}

/* The phases PythonHandlerModule adds its module to. */
static const char *const module_phases[] = {
    "PythonPostReadRequestHandler", "PythonTransHandler",
    "PythonHeaderParserHandler", "PythonAccessHandler",
    "PythonAuthenHandler", "PythonAuthzHandler", "PythonTypeHandler",
    "PythonFixupHandler", "PythonHandler", "PythonInitHandler",
    "PythonLogHandler", "PythonCleanupHandler", NULL
};

static const char *mp_cmd_handler_module(cmd_parms *cmd, void *mconfig,
                                         const char *args)
{
    apr_array_header_t *specs, *exts;
    const char *const *phase;
    const char *spec, *err;

    split_handler_args(cmd->temp_pool, args, &specs, &exts);
    if (specs->nelts != 1) {
        return "PythonHandlerModule takes exactly one module name";
    }
    spec = APR_ARRAY_IDX(specs, 0, const char *);
    for (phase = module_phases; *phase; phase++) {
        /* The early phases ignore extensions: they run before there is a
         * filename, so their plain list is the useful one. */
        const apr_array_header_t *e = phase_takes_ext(*phase) ? exts
            : apr_array_make(cmd->temp_pool, 0, sizeof(const char *));

        if ((err = add_to_phase(cmd, mconfig, *phase, spec, e, 1))) {
            return err;
        }
    }
    return NULL;
}

static const char *mp_cmd_connection_handler(cmd_parms *cmd, void *mconfig,
                                             const char *args)
{
    mp_server_conf *sconf = mp_config_server(cmd->server);
    const char *word = ap_getword_white(cmd->temp_pool, &args);
    mp_handler *h;

    if (!*word) {
        return "PythonConnectionHandler requires a handler";
    }
    /* Only the first word is used: connection handlers do not stack. */
    h = apr_pcalloc(cmd->pool, sizeof(*h));
    h->spec = apr_pstrdup(cmd->pool, word);
    sconf->connection_handler = h;
    return NULL;
}

/* Record a server-level copy of a setting written outside any section. */
static void set_server_copy(cmd_parms *cmd, apr_table_t *(*which)
                            (mp_server_conf *), const char *key,
                            const char *val)
{
    if (cmd->path == NULL) {
        apr_table_set(which(mp_config_server(cmd->server)), key, val);
    }
}

static apr_table_t *server_directives(mp_server_conf *c)
{
    return c->directives;
}

static apr_table_t *server_options(mp_server_conf *c)
{
    return c->options;
}

/* ----------------------------------------------------------------------
 * Python's home and virtual environments (install.rst)
 */

/* A section or server level that sets PythonVirtualEnv or
 * PythonInterpreter: both are only known once its whole text is read. */
typedef struct {
    server_rec *s;
    mp_dir_conf *conf;
    const char *where;          /* e.g. "<Location /app>", for messages */
} env_section;

/* A virtual environment given to an interpreter. */
typedef struct {
    const char *venv;
    const char *site;           /* its site-packages */
    const char *where;
} env_choice;

/* All in the configuration pool; reset on every reading of the config. */
static const char *python_home;
static apr_array_header_t *env_sections;
static apr_hash_t *env_by_interp;      /* interpreter name -> env_choice */

static void mp_config_reset_environments(void)
{
    python_home = NULL;
    env_sections = NULL;
    env_by_interp = NULL;
}

const char *mp_config_python_home(void)
{
    return python_home;
}

const char *mp_config_virtual_env(const char *interp)
{
    env_choice *c = env_by_interp ? apr_hash_get(env_by_interp, interp,
                                                 APR_HASH_KEY_STRING)
                                  : NULL;

    return c ? c->site : NULL;
}

const char *mp_config_default_interpreter(server_rec *s)
{
    return s->server_hostname ? s->server_hostname : MP_MAIN_INTERPRETER;
}

/* The Python library directory under `prefix`: lib/pythonX.Y. */
static const char *python_libdir(apr_pool_t *p, const char *prefix)
{
    return apr_psprintf(p, "%s/lib/python%d.%d", prefix, PY_MAJOR_VERSION,
                        PY_MINOR_VERSION);
}

/* The site-packages directory of virtual environment `venv`. */
static const char *venv_site(apr_pool_t *p, const char *venv)
{
    return apr_pstrcat(p, python_libdir(p, venv), "/site-packages", NULL);
}

static int is_kind(apr_pool_t *p, const char *path, apr_filetype_e kind)
{
    apr_finfo_t finfo;

    return apr_stat(&finfo, path, APR_FINFO_TYPE, p) == APR_SUCCESS
           && finfo.filetype == kind;
}

/* An absolute path without trailing slashes, relative ones taken from
 * the ServerRoot. */
static const char *clean_dir(cmd_parms *cmd, const char *arg)
{
    char *dir = ap_server_root_relative(cmd->pool, arg);
    size_t n = dir ? strlen(dir) : 0;

    while (n > 1 && dir[n - 1] == '/') {
        dir[--n] = '\0';
    }
    return dir;
}

static const char *describe_section(cmd_parms *cmd)
{
    const ap_directive_t *sec = cmd->directive ? cmd->directive->parent
                                               : NULL;

    if (!sec) {
        return "the server config";
    }
    return apr_pstrcat(cmd->pool, sec->directive, " ", sec->args, NULL);
}

static void remember_env_section(cmd_parms *cmd, mp_dir_conf *conf)
{
    env_section *e;
    int i;

    if (!env_sections) {
        env_sections = apr_array_make(cmd->pool, 4, sizeof(env_section));
    }
    for (i = 0; i < env_sections->nelts; i++) {
        if (APR_ARRAY_IDX(env_sections, i, env_section).conf == conf) {
            return;
        }
    }
    e = apr_array_push(env_sections);
    e->s = cmd->server;
    e->conf = conf;
    e->where = describe_section(cmd);
}

/* PythonHome: the prefix Python starts from, as PYTHONHOME would set it.
 * Checked here, so that a wrong one stops httpd -t with a message rather
 * than leaving every child without Python. */
static const char *mp_cmd_python_home(cmd_parms *cmd, void *dummy,
                                      const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *home, *colon, *prefix, *lib;

    if (err) {
        return err;
    }
    home = clean_dir(cmd, arg);
    if (!home) {
        return apr_psprintf(cmd->pool, "PythonHome: invalid path '%s'", arg);
    }
    /* "prefix:exec_prefix" is allowed, as in PYTHONHOME. */
    colon = strchr(home, ':');
    prefix = colon ? apr_pstrmemdup(cmd->temp_pool, home, colon - home)
                   : home;
    lib = python_libdir(cmd->temp_pool, prefix);
    if (!is_kind(cmd->temp_pool, apr_pstrcat(cmd->temp_pool, lib, "/os.py",
                                             NULL), APR_REG)) {
        return apr_psprintf(cmd->pool, "PythonHome %s: there is no %s/os.py."
                            " PythonHome must be the prefix (sys.prefix) of "
                            "a Python %d.%d installation, e.g. /usr for "
                            "Debian's python3", home, lib, PY_MAJOR_VERSION,
                            PY_MINOR_VERSION);
    }
    /* Like PythonOptimize, not shown by get_config() (DIR-get_config-keys):
     * it is read once, at Python start-up in each child. */
    python_home = home;
    return NULL;
}

/* PythonVirtualEnv: a venv whose site-packages go on the path of the
 * interpreter serving this context, when that interpreter is made. */
static const char *mp_cmd_virtual_env(cmd_parms *cmd, void *mconfig,
                                      const char *arg)
{
    mp_dir_conf *conf = mconfig;
    const char *venv = clean_dir(cmd, arg);
    const char *site;

    if (!venv) {
        return apr_psprintf(cmd->pool, "PythonVirtualEnv: invalid path '%s'",
                            arg);
    }
    site = venv_site(cmd->temp_pool, venv);
    if (!is_kind(cmd->temp_pool, site, APR_DIR)) {
        return apr_psprintf(cmd->pool, "PythonVirtualEnv %s: there is no %s."
                            " It must be a virtual environment made by "
                            "Python %d.%d, the Python mod_python embeds "
                            "(e.g. python%d.%d -m venv %s)", venv, site,
                            PY_MAJOR_VERSION, PY_MINOR_VERSION,
                            PY_MAJOR_VERSION, PY_MINOR_VERSION, venv);
    }
    /* Kept out of conf->directives: get_config() shows only the keys of
     * DIR-get_config-keys. */
    conf->virtual_env = venv;
    if (cmd->path == NULL) {
        mp_config_server(cmd->server)->virtual_env = venv;
    }
    remember_env_section(cmd, conf);
    return NULL;
}

/* Whether interpreters of this level are named per directory, so that
 * their names are unknown until requests come. */
static int names_per_directory(const apr_table_t *directives)
{
    const char *a = apr_table_get(directives, "PythonInterpPerDirectory");
    const char *b = apr_table_get(directives, "PythonInterpPerDirective");

    return (a && !strcmp(a, "1")) || (b && !strcmp(b, "1"));
}

/* Give interpreter `name` the venv `venv`; a message if it has another. */
static const char *choose_env(apr_pool_t *p, const char *name,
                              const char *venv, const char *where)
{
    env_choice *c = apr_hash_get(env_by_interp, name, APR_HASH_KEY_STRING);

    if (c) {
        if (strcmp(c->venv, venv)) {
            return apr_psprintf(p, "PythonVirtualEnv: interpreter '%s' "
                                "would get two virtual environments: %s "
                                "(in %s) and %s (in %s). Give these sections "
                                "different PythonInterpreter names.", name,
                                c->venv, c->where, venv, where);
        }
        return NULL;
    }
    c = apr_palloc(p, sizeof(*c));
    c->venv = venv;
    c->site = venv_site(p, venv);
    c->where = where;
    apr_hash_set(env_by_interp, apr_pstrdup(p, name), APR_HASH_KEY_STRING, c);
    return NULL;
}

const char *mp_config_resolve_environments(apr_pool_t *p, server_rec *main_s)
{
    server_rec *s;
    const char *err;
    int i;

    env_by_interp = apr_hash_make(p);
    /* Sections: their own interpreter name, else the server's, else the
     * default (the virtual host's name), as handlers.c picks it. */
    for (i = 0; env_sections && i < env_sections->nelts; i++) {
        env_section *e = &APR_ARRAY_IDX(env_sections, i, env_section);
        mp_server_conf *sconf = mp_config_server(e->s);
        const char *venv = e->conf->virtual_env;
        const char *name = apr_table_get(e->conf->directives,
                                         "PythonInterpreter");

        if (!venv) {
            venv = sconf->virtual_env;
        }
        if (!venv) {
            continue;
        }
        if (!name) {
            name = apr_table_get(sconf->directives, "PythonInterpreter");
        }
        if (!name && (names_per_directory(e->conf->directives)
                      || names_per_directory(sconf->directives))) {
            return apr_psprintf(p, "PythonVirtualEnv %s (in %s) needs a "
                                "PythonInterpreter: interpreters named per "
                                "directory are not known at start-up.",
                                venv, e->where);
        }
        if (!name) {
            name = mp_config_default_interpreter(e->s);
        }
        if ((err = choose_env(p, name, venv, e->where))) {
            return err;
        }
    }
    /* Server levels, which also serve connection handlers. */
    for (s = main_s; s; s = s->next) {
        mp_server_conf *sconf = mp_config_server(s);
        const char *venv = sconf->virtual_env;
        const char *name = apr_table_get(sconf->directives,
                                         "PythonInterpreter");

        if (!venv) {
            continue;
        }
        if (!name) {
            name = mp_config_default_interpreter(s);
        }
        if ((err = choose_env(p, name, venv,
                              s->is_virtual ? "a virtual host"
                                            : "the server config"))) {
            return err;
        }
    }
    return NULL;
}

/* PythonDebug, PythonAutoReload, PythonEnablePdb, PythonInterpPer*. */
static const char *mp_cmd_flag(cmd_parms *cmd, void *mconfig, int on)
{
    mp_dir_conf *conf = mconfig;
    const char *key = cmd->cmd->name;
    const char *val = on ? "1" : "0";

    apr_table_set(conf->directives, key, val);
    /* PerDirectory is never copied to the server (DIR-PythonInterp...) */
    if (strcmp(key, "PythonInterpPerDirectory")) {
        set_server_copy(cmd, server_directives, key, val);
    }
    return NULL;
}

/* PythonInterpreter, PythonPath. */
static const char *mp_cmd_take1(cmd_parms *cmd, void *mconfig,
                                const char *val)
{
    mp_dir_conf *conf = mconfig;

    apr_table_set(conf->directives, cmd->cmd->name, val);
    set_server_copy(cmd, server_directives, cmd->cmd->name, val);
    if (!strcmp(cmd->cmd->name, "PythonInterpreter")) {
        /* It may inherit the server's PythonVirtualEnv. */
        remember_env_section(cmd, conf);
    }
    return NULL;
}

static const char *mp_cmd_option(cmd_parms *cmd, void *mconfig,
                                 const char *key, const char *val)
{
    mp_dir_conf *conf = mconfig;

    /* A key without a value stores "", the unset marker. */
    if (!val) {
        val = "";
    }
    apr_table_set(conf->options, key, val);
    set_server_copy(cmd, server_options, key, val);
    return NULL;
}

static const char *mp_cmd_import(cmd_parms *cmd, void *mconfig,
                                 const char *spec, const char *interp)
{
    mp_server_conf *sconf = mp_config_server(cmd->server);
    mp_import *imp = apr_array_push(sconf->imports);

    imp->spec = spec;
    imp->interpreter = interp;
    return NULL;
}

static const char *mp_cmd_optimize(cmd_parms *cmd, void *mconfig, int on)
{
    /* Level 2, as the original (DIR-PythonOptimize); read at Python
     * start-up in each child. */
    if (on) {
        optimize_level = 2;
    }
    return NULL;
}

static const char *add_filter(cmd_parms *cmd, mp_dir_conf *conf,
                              const char *handler, const char *name,
                              int is_input)
{
    mp_handler *h = apr_pcalloc(cmd->pool, sizeof(*h));
    char *key = apr_pstrdup(cmd->pool, name ? name : handler);
    const char *err;

    ap_str_tolower(key);
    h->spec = apr_pstrdup(cmd->pool, handler);
    if ((err = record_directory(cmd, h)) != NULL) {
        return err;
    }
    apr_hash_set(is_input ? conf->input_filters : conf->output_filters,
                 key, APR_HASH_KEY_STRING, h);
    mp_filter_register_configured(key, is_input);
    return NULL;
}

static const char *mp_cmd_input_filter(cmd_parms *cmd, void *mconfig,
                                       const char *handler, const char *name)
{
    return add_filter(cmd, mconfig, handler, name, 1);
}

static const char *mp_cmd_output_filter(cmd_parms *cmd, void *mconfig,
                                        const char *handler, const char *name)
{
    return add_filter(cmd, mconfig, handler, name, 0);
}

#define MP_HANDLER_CMD(name, where, help) \
    AP_INIT_RAW_ARGS(name, mp_cmd_handler, NULL, where, help)
#define MP_ANYWHERE OR_ALL

const command_rec mp_commands[] = {
    MP_HANDLER_CMD("PythonPostReadRequestHandler", RSRC_CONF,
                   "Python post-read-request handlers."),
    MP_HANDLER_CMD("PythonTransHandler", RSRC_CONF,
                   "Python URI translation handlers."),
    MP_HANDLER_CMD("PythonHeaderParserHandler", MP_ANYWHERE,
                   "Python header parser handlers."),
    MP_HANDLER_CMD("PythonInitHandler", MP_ANYWHERE,
                   "Python post-read-request or header parser handlers."),
    MP_HANDLER_CMD("PythonAccessHandler", MP_ANYWHERE,
                   "Python access checker handlers."),
    MP_HANDLER_CMD("PythonAuthenHandler", MP_ANYWHERE,
                   "Python authentication (check user id) handlers."),
    MP_HANDLER_CMD("PythonAuthzHandler", MP_ANYWHERE,
                   "Python authorization (auth checker) handlers."),
    MP_HANDLER_CMD("PythonTypeHandler", MP_ANYWHERE,
                   "Python MIME type checker handlers."),
    MP_HANDLER_CMD("PythonFixupHandler", MP_ANYWHERE,
                   "Python fixup handlers."),
    MP_HANDLER_CMD("PythonHandler", MP_ANYWHERE,
                   "Python content handlers."),
    MP_HANDLER_CMD("PythonLogHandler", MP_ANYWHERE,
                   "Python log handlers."),
    MP_HANDLER_CMD("PythonCleanupHandler", MP_ANYWHERE,
                   "Python handlers run when the request is destroyed."),
    AP_INIT_RAW_ARGS("PythonHandlerModule", mp_cmd_handler_module, NULL,
                     MP_ANYWHERE, "A Python module whose handlers, when "
                     "present, run in every phase."),
    AP_INIT_RAW_ARGS("PythonConnectionHandler", mp_cmd_connection_handler,
                     NULL, RSRC_CONF, "A Python connection handler."),
    AP_INIT_TAKE12("PythonInputFilter", mp_cmd_input_filter, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "A Python input filter: handler and optional name."),
    AP_INIT_TAKE12("PythonOutputFilter", mp_cmd_output_filter, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "A Python output filter: handler and optional name."),
    AP_INIT_TAKE2("PythonImport", mp_cmd_import, NULL, RSRC_CONF,
                  "A module[::function] to import at child start-up, and "
                  "the interpreter to import it in."),
    AP_INIT_TAKE1("PythonInterpreter", mp_cmd_take1, NULL, MP_ANYWHERE,
                  "The name of the Python interpreter to use."),
    AP_INIT_FLAG("PythonInterpPerDirectory", mp_cmd_flag, NULL, MP_ANYWHERE,
                 "Name interpreters after the directory of the file "
                 "requested."),
    AP_INIT_FLAG("PythonInterpPerDirective", mp_cmd_flag, NULL, MP_ANYWHERE,
                 "Name interpreters after the directory the handler was "
                 "configured in."),
    AP_INIT_FLAG("PythonDebug", mp_cmd_flag, NULL, MP_ANYWHERE,
                 "Send Python tracebacks to the client."),
    AP_INIT_FLAG("PythonEnablePdb", mp_cmd_flag, NULL, MP_ANYWHERE,
                 "Run handlers under pdb when httpd runs with "
                 "-DONE_PROCESS."),
    AP_INIT_FLAG("PythonAutoReload", mp_cmd_flag, NULL, MP_ANYWHERE,
                 "Re-import handler modules whose file changed (default "
                 "On)."),
    AP_INIT_FLAG("PythonOptimize", mp_cmd_optimize, NULL, RSRC_CONF,
                 "Run Python with optimisation level 2."),
    AP_INIT_TAKE12("PythonOption", mp_cmd_option, NULL, MP_ANYWHERE,
                   "A key and value for req.get_options(); a key alone "
                   "unsets it."),
    AP_INIT_TAKE1("PythonPath", mp_cmd_take1, NULL, MP_ANYWHERE,
                  "A Python expression whose value replaces sys.path."),
    AP_INIT_TAKE1("PythonHome", mp_cmd_python_home, NULL, RSRC_CONF,
                  "The prefix of the Python installation to start, as "
                  "PYTHONHOME (server config only; default: that of the "
                  "Python mod_python was built for)."),
    AP_INIT_TAKE1("PythonVirtualEnv", mp_cmd_virtual_env, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "A virtual environment (python3 -m venv DIR) whose "
                  "site-packages, .pth files honoured, go ahead of the "
                  "system's on the path of the interpreter serving this "
                  "context, when that interpreter is created."),
    { NULL }
};
