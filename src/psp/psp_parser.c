/* The PSP translator, a hand-written scanner (psp.md sections 1-4).
 *
 * The original was a flex lexer with the states TEXT, PYCODE, INDENT, DIR
 * and COMMENT; this is the same state machine written out, and it must
 * give byte-identical code.  Everything odd below (the `;`, where the
 * newlines go, the tab after a colon) keeps the line numbers of the page
 * in the generated Python, or copies a quirk pages may rely on.  Where the
 * flex rules decided by "longest match" the comments say so.
 *
 * Input files are read whole; an include scans the included file
 * recursively (bounded by PSP_MAX_INCLUDE_DEPTH) and then resumes after
 * the include in the including buffer, as flex's buffer stack did.
 */
#include "psp_parser.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

typedef enum {
    S_INITIAL,      /* nothing read yet */
    S_TEXT,         /* page text, inside an open req.write(""" */
    S_PYCODE,       /* inside <% %> or <%= %> */
    S_INDENT,       /* at the start of a code line */
    S_DIR,          /* inside <%@ %> */
    S_COMMENT       /* inside <%-- --%> */
} scan_state;

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} strbuf;

typedef struct {
    dev_t dev;
    ino_t ino;
} file_id;

typedef struct {
    scan_state state;
    strbuf code;            /* the generated source */
    strbuf indent;          /* the indentation buffer (section 3) */
    int in_expr;            /* the code block is <%= %> */
    int seen_newline;       /* the code block has a line break */
    int after_colon;        /* the last code character was ':' */
    int lf_newline;         /* the last code line break ended in LF */
    int stopped;            /* input ended outside TEXT: all done */
    const char *dir;
    int nopen;              /* files being scanned (stack depth) */
    size_t held;            /* bytes of the files being scanned */
    file_id open[PSP_MAX_INCLUDE_DEPTH + 1];
    psp_result *res;
} parser;

/* Record the first error; always returns -1 for `return fail(...)`. */
static int fail(parser *p, psp_status status, int errnum, const char *path,
                size_t pathlen)
{
    psp_result *res = p->res;

    if (res->status != PSP_OK) {
        return -1;
    }
    res->status = status;
    res->errnum = errnum;
    if (path != NULL) {
        res->path = malloc(pathlen + 1);
        if (res->path != NULL) {
            memcpy(res->path, path, pathlen);
            res->path[pathlen] = '\0';
        }
    }
    return -1;
}

/* Make room for n more bytes plus a terminating NUL. */
static int reserve(parser *p, strbuf *b, size_t n)
{
    size_t need, cap;
    char *data;

    if (n > PSP_MAX_SIZE || b->len > PSP_MAX_SIZE - n) {
        return fail(p, PSP_ERR_CODE_TOOBIG, 0, NULL, 0);
    }
    need = b->len + n + 1;
    if (need <= b->cap) {
        return 0;
    }
    cap = b->cap ? b->cap : 1024;
    while (cap < need) {
        cap *= 2;
    }
    if (cap > PSP_MAX_SIZE + 1) {
        cap = PSP_MAX_SIZE + 1;
    }
    data = realloc(b->data, cap);
    if (data == NULL) {
        return fail(p, PSP_ERR_NOMEM, 0, NULL, 0);
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

static int put(parser *p, strbuf *b, const char *s, size_t n)
{
    if (n == 0) {
        return 0;       /* s may be NULL: an empty indentation buffer */
    }
    if (reserve(p, b, n) < 0) {
        return -1;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

#define PUT(p, s) put((p), &(p)->code, (s), sizeof(s) - 1)

/* Read a whole regular file.  O_NONBLOCK keeps a FIFO from hanging the
 * open; non-regular files are refused before reading anything. */
static int read_file(parser *p, const char *path, char **data, size_t *len,
                     file_id *id)
{
    struct stat st;
    char *buf = NULL;
    size_t size = 0, cap;
    ssize_t got;
    int fd, err;

    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return fail(p, PSP_ERR_OPEN, errno, path, strlen(path));
    }
    if (fstat(fd, &st) < 0) {
        err = errno;
        close(fd);
        return fail(p, PSP_ERR_OPEN, err, path, strlen(path));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(p, PSP_ERR_OPEN, EISDIR, path, strlen(path));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(p, PSP_ERR_NOTFILE, 0, path, strlen(path));
    }
    if ((unsigned long long)st.st_size > PSP_MAX_SIZE) {
        close(fd);
        return fail(p, PSP_ERR_FILE_TOOBIG, 0, path, strlen(path));
    }
    /* The size is a hint only: the file may change while we read.  One
     * spare byte lets the read that sees EOF go without a realloc. */
    cap = (size_t)st.st_size + 2;
    for (;;) {
        if (size + 1 >= cap || buf == NULL) {
            char *more;

            if (buf != NULL) {
                if (cap > PSP_MAX_SIZE) {
                    free(buf);
                    close(fd);
                    return fail(p, PSP_ERR_FILE_TOOBIG, 0, path,
                                strlen(path));
                }
                cap *= 2;
            }
            more = realloc(buf, cap);
            if (more == NULL) {
                free(buf);
                close(fd);
                return fail(p, PSP_ERR_NOMEM, 0, NULL, 0);
            }
            buf = more;
        }
        got = read(fd, buf + size, cap - size - 1);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            err = errno;
            free(buf);
            close(fd);
            return fail(p, PSP_ERR_OPEN, err, path, strlen(path));
        }
        if (got == 0) {
            break;
        }
        size += (size_t)got;
    }
    close(fd);
    if (size > PSP_MAX_SIZE) {
        free(buf);
        return fail(p, PSP_ERR_FILE_TOOBIG, 0, path, strlen(path));
    }
    *data = buf;
    *len = size;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    return 0;
}

/* Does the include rule match at s?  The flex rule was
 *     include[ ]+file[ ]?=[ ]?\"[^ ]+\"
 * and flex takes the longest match, so the quoted part runs to the LAST
 * quote before the next space (it may swallow `%>` and line breaks), while
 * the file name ends at the FIRST quote after the opening one.  Returns the
 * length of the match (0: no match) and sets *name and *namelen.
 */
static size_t match_include(const char *s, size_t n, const char **name,
                            size_t *namelen)
{
    size_t k, open, end = 0, q;

    if (n < 7 || memcmp(s, "include", 7) != 0) {
        return 0;
    }
    k = 7;
    if (k >= n || s[k] != ' ') {
        return 0;
    }
    while (k < n && s[k] == ' ') {
        k++;
    }
    if (n - k < 4 || memcmp(s + k, "file", 4) != 0) {
        return 0;
    }
    k += 4;
    if (k < n && s[k] == ' ') {
        k++;
    }
    if (k >= n || s[k] != '=') {
        return 0;
    }
    k++;
    if (k < n && s[k] == ' ') {
        k++;
    }
    if (k >= n || s[k] != '"') {
        return 0;
    }
    open = ++k;
    /* [^ ]+ needs one character before the closing quote. */
    for (q = open + 1; q < n && s[q] != ' '; q++) {
        if (s[q] == '"') {
            end = q + 1;
        }
    }
    if (end == 0) {
        return 0;
    }
    for (q = open; s[q] != '"'; q++) {
    }
    *name = s + open;
    *namelen = q - open;
    return end;
}

static int scan(parser *p, const char *s, size_t n, int top);

/* <%@ include file="name" %>: scan that file in TEXT state, then go on in
 * DIR state after the directive (PSP-include-resolve, -splice). */
static int include(parser *p, const char *name, size_t namelen)
{
    char *path, *data = NULL;
    size_t dirlen = 0, len = 0;
    file_id id;
    int i, rv;

    if (p->dir != NULL && (namelen == 0 || name[0] != '/')) {
        dirlen = strlen(p->dir);
    }
    path = malloc(dirlen + namelen + 1);
    if (path == NULL) {
        return fail(p, PSP_ERR_NOMEM, 0, NULL, 0);
    }
    if (dirlen > 0) {
        memcpy(path, p->dir, dirlen);
    }
    memcpy(path + dirlen, name, namelen);
    path[dirlen + namelen] = '\0';

    /* The original copied the name as a C string and crashed on a NUL. */
    if (memchr(name, '\0', namelen) != NULL) {
        rv = fail(p, PSP_ERR_NULPATH, 0, path, strlen(path));
        free(path);
        return rv;
    }
    if (p->nopen > PSP_MAX_INCLUDE_DEPTH) {
        rv = fail(p, PSP_ERR_DEPTH, 0, path, dirlen + namelen);
        free(path);
        return rv;
    }
    if (read_file(p, path, &data, &len, &id) < 0) {
        free(path);
        return -1;
    }
    /* Including a file that is being scanned never ends: each copy
     * reaches the same directive again. */
    for (i = 0; i < p->nopen; i++) {
        if (p->open[i].dev == id.dev && p->open[i].ino == id.ino) {
            rv = fail(p, PSP_ERR_CYCLE, 0, path, dirlen + namelen);
            free(data);
            free(path);
            return rv;
        }
    }
    /* Each nesting level holds its file: bound the sum too. */
    if (len > PSP_MAX_SIZE - p->held) {
        rv = fail(p, PSP_ERR_FILE_TOOBIG, 0, path, dirlen + namelen);
        free(data);
        free(path);
        return rv;
    }
    free(path);
    p->open[p->nopen++] = id;
    p->held += len;
    p->state = S_TEXT;
    rv = scan(p, data, len, 0);
    p->held -= len;
    p->nopen--;
    free(data);
    return rv;
}

/* Characters that may start a TEXT rule other than "copy one byte". */
static int text_special(unsigned char c)
{
    return c == '<' || c == '\\' || c == '"' || c == '\r';
}

static int code_special(unsigned char c)
{
    return c == '\n' || c == '\r' || c == '%' || c == ':';
}

/* Scan one buffer: the page (top) or an included file. */
static int scan(parser *p, const char *s, size_t n, int top)
{
    size_t i = 0, j;
    char c;

    while (i < n) {
        c = s[i];
        switch (p->state) {
        case S_INITIAL:
            /* Any first character opens the first write (PSP-gen-start). */
            if (PUT(p, "req.write(\"\"\"") < 0) {
                return -1;
            }
            p->state = S_TEXT;
            break;

        case S_TEXT:
            /* Opening tags, longest first (PSP-syntax-longest). */
            if (c == '<' && i + 1 < n && s[i + 1] == '%') {
                if (i + 3 < n && s[i + 2] == '-' && s[i + 3] == '-') {
                    p->state = S_COMMENT;
                    i += 4;
                }
                else if (i + 2 < n && s[i + 2] == '=') {
                    if (PUT(p, "\"\"\",0); req.write(str(") < 0) {
                        return -1;
                    }
                    p->in_expr = 1;
                    p->state = S_PYCODE;
                    i += 3;
                }
                else if (i + 2 < n && s[i + 2] == '@') {
                    p->state = S_DIR;
                    i += 3;
                }
                else {
                    if (PUT(p, "\"\"\",0);") < 0) {
                        return -1;
                    }
                    p->indent.len = 0;
                    p->seen_newline = 0;
                    p->state = S_PYCODE;
                    i += 2;
                }
            }
            else if (c == '\\' && i + 1 < n
                     && (s[i + 1] == 'n' || s[i + 1] == 'r'
                         || s[i + 1] == 't')) {
                /* Keep \n, \r, \t literal; other backslashes stay escapes
                 * (PSP-gen-text-backslash). */
                char esc[3] = {'\\', '\\', s[i + 1]};

                if (put(p, &p->code, esc, 3) < 0) {
                    return -1;
                }
                i += 2;
            }
            else if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
                if (PUT(p, "\n") < 0) {
                    return -1;
                }
                i += 2;
            }
            else if (c == '"') {
                if (PUT(p, "\\\"") < 0) {
                    return -1;
                }
                i++;
            }
            else {
                for (j = i + 1; j < n && !text_special(s[j]); j++) {
                }
                if (put(p, &p->code, s + i, j - i) < 0) {
                    return -1;
                }
                i = j;
            }
            break;

        case S_PYCODE:
            if (c == '\n' || c == '\r') {
                /* Only a line break ending in LF counted as "beginning of
                 * line" for flex's ^ rule, so after a lone CR the INDENT
                 * state does not capture indentation. */
                p->lf_newline = 1;
                if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
                    i += 2;
                }
                else {
                    p->lf_newline = (c == '\n');
                    i++;
                }
                if (PUT(p, "\n") < 0) {
                    return -1;
                }
                p->seen_newline = 1;
                p->state = S_INDENT;
            }
            else if (c == '%' && i + 1 < n && s[i + 1] == '>') {
                i += 2;
                p->state = S_TEXT;
                if (p->in_expr) {
                    if (PUT(p, "),0); req.write(\"\"\"") < 0) {
                        return -1;
                    }
                    p->in_expr = 0;
                    break;
                }
                /* A one-line block needs a separator from the write that
                 * follows on the same line (PSP-gen-code-close). */
                if (!p->seen_newline && PUT(p, ";") < 0) {
                    return -1;
                }
                if (p->after_colon) {
                    if (put(p, &p->indent, "\t", 1) < 0) {
                        return -1;
                    }
                    p->after_colon = 0;
                }
                if (put(p, &p->code, p->indent.data, p->indent.len) < 0
                    || PUT(p, "req.write(\"\"\"") < 0) {
                    return -1;
                }
            }
            else if (c == ':') {
                if (PUT(p, ":") < 0) {
                    return -1;
                }
                p->after_colon = 1;
                i++;
            }
            else {
                for (j = i + 1; j < n && !code_special(s[j]); j++) {
                }
                if (put(p, &p->code, s + i, j - i) < 0) {
                    return -1;
                }
                p->after_colon = 0;
                i = j;
            }
            break;

        case S_INDENT:
            /* The line's leading blanks are both code and the new
             * indentation (PSP-indent-capture); a line starting with %>
             * keeps the old one (PSP-indent-close); anything else, an
             * empty line included, resets it (PSP-indent-reset).  Nothing
             * but the blanks is consumed here. */
            if (p->lf_newline && (c == ' ' || c == '\t')) {
                for (j = i + 1; j < n && (s[j] == ' ' || s[j] == '\t'); j++) {
                }
                p->indent.len = 0;
                if (put(p, &p->indent, s + i, j - i) < 0
                    || put(p, &p->code, s + i, j - i) < 0) {
                    return -1;
                }
                i = j;
            }
            else if (!(c == '%' && i + 1 < n && s[i + 1] == '>')) {
                p->indent.len = 0;
            }
            p->state = S_PYCODE;
            break;

        case S_DIR: {
            const char *name;
            size_t namelen, m;

            if (c == '%' && i + 1 < n && s[i + 1] == '>') {
                p->state = S_TEXT;
                i += 2;
            }
            else if (c == 'i'
                     && (m = match_include(s + i, n - i, &name, &namelen))) {
                i += m;
                if (include(p, name, namelen) < 0) {
                    return -1;
                }
                if (p->stopped) {
                    return 0;
                }
            }
            else {
                /* Anything else in a directive is dropped (flex echoed it
                 * to stdout: PSP-syntax-unknown-dir). */
                for (j = i + 1; j < n && s[j] != '%' && s[j] != 'i'; j++) {
                }
                i = j;
            }
            break;
        }

        case S_COMMENT:
            /* Only --%> ends a comment (PSP-syntax-comment). */
            for (j = i; j + 3 < n; j++) {
                if (s[j] == '-' && s[j + 1] == '-' && s[j + 2] == '%'
                    && s[j + 3] == '>') {
                    break;
                }
            }
            if (j + 3 < n) {
                p->state = S_TEXT;
                i = j + 4;
            }
            else {
                i = n;
            }
            break;
        }
    }

    /* End of this buffer.  In TEXT the page's last write is closed, or an
     * include returns to its directive; in any other state flex stopped
     * the whole scan, leaving the code as it was (PSP-gen-unterminated). */
    if (p->state == S_TEXT) {
        if (top) {
            return PUT(p, "\"\"\",0)\n");
        }
        p->state = S_DIR;
    }
    else {
        p->stopped = 1;
    }
    return 0;
}

/* Common end of both entry points: the code as a C string up to its first
 * NUL (PSP-gen-nul), or the error. */
static psp_status finish(parser *p, int rv)
{
    psp_result *res = p->res;

    free(p->indent.data);
    if (rv < 0 || res->status != PSP_OK) {
        free(p->code.data);
        if (res->status == PSP_OK) {
            res->status = PSP_ERR_NOMEM;
        }
        return res->status;
    }
    if (p->code.data == NULL) {
        p->code.data = malloc(1);
        if (p->code.data == NULL) {
            res->status = PSP_ERR_NOMEM;
            return res->status;
        }
        p->code.data[0] = '\0';
    }
    res->code = p->code.data;
    res->len = strlen(res->code);
    return PSP_OK;
}

static void parser_init(parser *p, const char *dir, psp_result *res)
{
    memset(p, 0, sizeof(*p));
    memset(res, 0, sizeof(*res));
    p->state = S_INITIAL;
    p->dir = dir;
    p->res = res;
}

psp_status psp_translate_file(const char *path, const char *dir,
                              psp_result *res)
{
    parser p;
    char *data = NULL;
    size_t len = 0;
    int rv;

    parser_init(&p, dir, res);
    rv = read_file(&p, path, &data, &len, &p.open[0]);
    if (rv == 0) {
        p.nopen = 1;
        p.held = len;
        rv = scan(&p, data, len, 1);
        free(data);
    }
    return finish(&p, rv);
}

psp_status psp_translate_string(const char *src, size_t len,
                                const char *dir, psp_result *res)
{
    parser p;
    int rv;

    parser_init(&p, dir, res);
    rv = scan(&p, src, len, 1);
    return finish(&p, rv);
}

void psp_result_free(psp_result *res)
{
    free(res->code);
    free(res->path);
    res->code = NULL;
    res->path = NULL;
}
