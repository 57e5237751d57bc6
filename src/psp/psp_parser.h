/* The PSP translator: turns a Python Server Page into Python source
 * (psp.md sections 1-4).  Plain C, no Python: the module in _pspmodule.c
 * runs it with the GIL released and turns its errors into exceptions.
 */
#ifndef PSP_PARSER_H
#define PSP_PARSER_H

#include <stddef.h>

/* Includes may nest this deep (the page itself is level 0). */
#define PSP_MAX_INCLUDE_DEPTH 64

/* Neither the files being scanned (a page and its nested includes) nor
 * the generated code may grow beyond this, so that a hostile page (say a
 * fan-out of includes) cannot exhaust memory. */
#define PSP_MAX_SIZE ((size_t)256 << 20)

typedef enum {
    PSP_OK = 0,
    PSP_ERR_NOMEM,          /* malloc failed */
    PSP_ERR_OPEN,           /* open or read failed: errnum, path */
    PSP_ERR_NOTFILE,        /* path names no regular file: path */
    PSP_ERR_CYCLE,          /* path is already being included: path */
    PSP_ERR_DEPTH,          /* includes nest deeper than the limit: path */
    PSP_ERR_FILE_TOOBIG,    /* files being scanned over the limit: path */
    PSP_ERR_CODE_TOOBIG,    /* the generated code is over PSP_MAX_SIZE */
    PSP_ERR_NULPATH         /* an include path holds a NUL: path (cut) */
} psp_status;

typedef struct {
    psp_status status;
    char *code;     /* the generated source, NUL-terminated (malloc) */
    size_t len;     /* its length: cut at the first NUL (PSP-gen-nul) */
    int errnum;     /* errno for PSP_ERR_OPEN */
    char *path;     /* the file an error is about (malloc), or NULL */
} psp_result;

/* Translate the file at `path` (opened as given).  `dir`, if not NULL, is
 * prepended (plain concatenation) to relative include paths; without it
 * they are relative to the current directory (PSP-include-resolve).
 * Fills *res: on PSP_OK res->code holds the code, else res->status and
 * the error fields say what went wrong.  Returns res->status.  Thread-safe
 * (no global state); res must be released with psp_result_free.
 */
psp_status psp_translate_file(const char *path, const char *dir,
                              psp_result *res);

/* Same for the `len` bytes at `src` (NULs allowed). */
psp_status psp_translate_string(const char *src, size_t len,
                                const char *dir, psp_result *res);

/* Free what a translation left in *res (safe to call twice). */
void psp_result_free(psp_result *res);

#endif /* PSP_PARSER_H */
