/*
 * mp_finfo (request-object.md 7) and _apache.stat (APA-stat).
 */
#include "finfoobject.h"
#include "requestobject.h"
#include "interp.h"
#include "util.h"

#define FINFO(self) ((FinfoObject *)(self))

/* Members, in the order of Finfo_getset, which repr() follows. */
enum {
    M_FNAME, M_FILETYPE, M_VALID, M_PROTECTION, M_USER, M_GROUP, M_INODE,
    M_DEVICE, M_NLINK, M_SIZE, M_ATIME, M_MTIME, M_CTIME, M_NAME, M_COUNT
};

/* The valid bit that makes each member meaningful (0: always is). */
static const apr_int32_t member_bits[M_COUNT] = {
    0, 0, 0, APR_FINFO_PROT, APR_FINFO_USER, APR_FINFO_GROUP,
    APR_FINFO_INODE, APR_FINFO_DEV, APR_FINFO_NLINK, APR_FINFO_SIZE,
    APR_FINFO_ATIME, APR_FINFO_MTIME, APR_FINFO_CTIME, APR_FINFO_NAME
};

/* The legacy tuple order of the FINFO_* indices (FINFO-seq, APA-FINFO). */
static const int seq_members[] = {
    M_PROTECTION, M_INODE, M_DEVICE, M_NLINK, M_USER, M_GROUP, M_SIZE,
    M_ATIME, M_MTIME, M_CTIME, M_FNAME, M_NAME, M_FILETYPE
};
#define SEQ_LEN ((Py_ssize_t)(sizeof(seq_members) / sizeof(*seq_members)))

/* The data behind `self`, or NULL with RuntimeError once the request a
 * view belongs to is over. */
static const apr_finfo_t *data_of(PyObject *self)
{
    FinfoObject *f = FINFO(self);

    if (f->owner) {
        request_rec *r = mp_request_rec(f->owner);

        return r ? &r->finfo : NULL;
    }
    return &f->own;
}

static PyObject *member(PyObject *self, int which)
{
    const apr_finfo_t *fi = data_of(self);

    if (!fi) {
        return NULL;
    }
    if (which == M_FNAME) {
        return mp_str_out(fi->fname);
    }
    if (which == M_FILETYPE) {
        return PyLong_FromLong(fi->filetype);
    }
    /* FINFO-none: nothing but the name and type describe a missing
     * file; otherwise a field the stat did not fill in is unknown. */
    if (fi->filetype == APR_NOFILE
        || (member_bits[which] && !(fi->valid & member_bits[which]))) {
        Py_RETURN_NONE;
    }
    switch (which) {
    case M_VALID:
        return PyLong_FromLong(fi->valid);
    case M_PROTECTION:
        return PyLong_FromLong(fi->protection);
    case M_USER:
        return PyLong_FromUnsignedLong(fi->user);
    case M_GROUP:
        return PyLong_FromUnsignedLong(fi->group);
    case M_INODE:
        return PyLong_FromUnsignedLongLong(fi->inode);
    case M_DEVICE:
        return PyLong_FromUnsignedLongLong(fi->device);
    case M_NLINK:
        return PyLong_FromLong(fi->nlink);
    case M_SIZE:
        return PyLong_FromLongLong(fi->size);
    case M_ATIME:
        return PyLong_FromLongLong(apr_time_sec(fi->atime));
    case M_MTIME:
        return PyLong_FromLongLong(apr_time_sec(fi->mtime));
    case M_CTIME:
        return PyLong_FromLongLong(apr_time_sec(fi->ctime));
    case M_NAME:
        return mp_str_out(fi->name);
    }
    Py_RETURN_NONE;
}

static PyObject *Finfo_get(PyObject *self, void *closure)
{
    return member(self, (int)(intptr_t)closure);
}

#define MEMBER(name, id, doc) \
    {name, Finfo_get, NULL, doc, (void *)(intptr_t)(id)}

static PyGetSetDef Finfo_getset[] = {
    MEMBER("fname", M_FNAME, "file name used for the stat"),
    MEMBER("filetype", M_FILETYPE, "APR_NOFILE, APR_REG, APR_DIR, ..."),
    MEMBER("valid", M_VALID, "bitmask of the APR_FINFO_* fields set"),
    MEMBER("protection", M_PROTECTION, "APR permission bits"),
    MEMBER("user", M_USER, "owner uid"),
    MEMBER("group", M_GROUP, "group gid"),
    MEMBER("inode", M_INODE, "inode number"),
    MEMBER("device", M_DEVICE, "device id"),
    MEMBER("nlink", M_NLINK, "hard-link count"),
    MEMBER("size", M_SIZE, "size in bytes"),
    MEMBER("atime", M_ATIME, "access time (seconds)"),
    MEMBER("mtime", M_MTIME, "modification time (seconds)"),
    MEMBER("ctime", M_CTIME, "inode change time (seconds)"),
    MEMBER("name", M_NAME, "base name in true case (APR_FINFO_NAME)"),
    {NULL}
};

static PyObject *Finfo_item(PyObject *self, Py_ssize_t i)
{
    if (i < 0 || i >= SEQ_LEN) {
        PyErr_SetString(PyExc_IndexError, "finfo index out of range");
        return NULL;
    }
    return member(self, seq_members[i]);
}

/* FINFO-none: the historical wording for a missing attribute. */
static PyObject *Finfo_getattro(PyObject *self, PyObject *name)
{
    PyObject *v = PyObject_GenericGetAttr(self, name);

    if (!v && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Format(PyExc_AttributeError,
                     "class 'mp_finfo' has no attribute '%S'", name);
    }
    return v;
}

static PyObject *Finfo_repr(PyObject *self)
{
    PyObject *d = PyDict_New(), *text = NULL;
    int i;

    if (!d) {
        return NULL;
    }
    for (i = 0; i < M_COUNT; i++) {
        PyObject *v = member(self, i);

        if (!v || PyDict_SetItemString(d, Finfo_getset[i].name, v) < 0) {
            Py_XDECREF(v);
            goto done;
        }
        Py_DECREF(v);
    }
    text = PyObject_Repr(d);
done:
    Py_DECREF(d);
    return text;
}

static int Finfo_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(FINFO(self)->owner);
    return 0;
}

static int Finfo_clear(PyObject *self)
{
    Py_CLEAR(FINFO(self)->owner);
    return 0;
}

static void Finfo_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    FinfoObject *f = FINFO(self);

    PyObject_GC_UnTrack(self);
    Finfo_clear(self);
    PyMem_Free((char *)f->own.fname);
    PyMem_Free((char *)f->own.name);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

static FinfoObject *finfo_alloc(mp_module_state *st)
{
    FinfoObject *f = PyObject_GC_New(FinfoObject, st->finfo_type);

    if (!f) {
        return NULL;
    }
    f->owner = NULL;
    memset(&f->own, 0, sizeof(f->own));
    PyObject_GC_Track(f);
    return f;
}

PyObject *mp_finfo_view(mp_module_state *st, PyObject *req)
{
    FinfoObject *f = finfo_alloc(st);

    if (f) {
        f->owner = Py_NewRef(req);
    }
    return (PyObject *)f;
}

int mp_finfo_assign(mp_module_state *st, request_rec *r, PyObject *value)
{
    const apr_finfo_t *src;

    if (!value || !PyObject_TypeCheck(value, st->finfo_type)) {
        PyErr_SetString(PyExc_TypeError, "finfo must be a finfoobject");
        return -1;
    }
    if (!(src = data_of(value))) {
        return -1;
    }
    if (src == &r->finfo) {
        return 0;               /* req.finfo = req.finfo */
    }
    r->finfo = *src;
    r->finfo.pool = r->pool;
    r->finfo.filehand = NULL;
    r->finfo.fname = src->fname ? apr_pstrdup(r->pool, src->fname) : NULL;
    r->finfo.name = src->name ? apr_pstrdup(r->pool, src->name) : NULL;
    return 0;
}

/* A malloc'ed copy of `s` for an object's own data; NULL stays NULL. */
static int own_copy(const char **dst, const char *s)
{
    size_t n;
    char *copy;

    *dst = NULL;
    if (!s) {
        return 0;
    }
    n = strlen(s) + 1;
    if (!(copy = PyMem_Malloc(n))) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, s, n);
    *dst = copy;
    return 0;
}

PyObject *mp_finfo_stat(PyObject *module, PyObject *args)
{
    mp_module_state *st = PyModule_GetState(module);
    PyObject *name_obj, *path = NULL;
    FinfoObject *f = NULL;
    apr_pool_t *p = NULL;
    apr_finfo_t fi;
    apr_status_t rc;
    const char *fname;
    int wanted;

    if (!PyArg_ParseTuple(args, "Oi:stat", &name_obj, &wanted)) {
        return NULL;
    }
    /* str or bytes as every string going into httpd; also path objects */
    if (!(path = PyOS_FSPath(name_obj))) {
        return NULL;
    }
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        p = NULL;
        PyErr_NoMemory();
        goto done;
    }
    if (!(fname = mp_str_in(p, path))) {
        goto done;
    }
    memset(&fi, 0, sizeof(fi));
    MP_BLOCKING_BEGIN
    rc = apr_stat(&fi, fname, wanted, p);
    MP_BLOCKING_END
    if (APR_STATUS_IS_ENOENT(rc)) {
        /* A missing file is an answer, not an error (APA-stat). */
        memset(&fi, 0, sizeof(fi));
        fi.filetype = APR_NOFILE;
        fi.fname = fname;
    }
    else if (rc != APR_SUCCESS && rc != APR_INCOMPLETE) {
        PyObject *err = Py_BuildValue("(is)", (int)rc, "apr_stat() failed");

        if (err) {
            PyErr_SetObject(PyExc_OSError, err);
            Py_DECREF(err);
        }
        goto done;
    }
    if (!(f = finfo_alloc(st))) {
        goto done;
    }
    f->own = fi;
    f->own.pool = NULL;
    f->own.filehand = NULL;
    if (own_copy(&f->own.fname, fi.fname) < 0
        || own_copy(&f->own.name, fi.name) < 0) {
        Py_CLEAR(f);
    }
done:
    if (p) {
        apr_pool_destroy(p);
    }
    Py_DECREF(path);
    return (PyObject *)f;
}

static PyType_Slot Finfo_slots[] = {
    {Py_tp_getset, Finfo_getset},
    {Py_tp_getattro, Finfo_getattro},
    {Py_tp_repr, Finfo_repr},
    {Py_sq_item, Finfo_item},
    {Py_tp_traverse, Finfo_traverse},
    {Py_tp_clear, Finfo_clear},
    {Py_tp_dealloc, Finfo_dealloc},
    {0, NULL}
};

static PyType_Spec Finfo_spec = {
    .name = "mp_finfo",
    .basicsize = sizeof(FinfoObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Finfo_slots,
};

int mp_finfo_type_init(PyObject *module, mp_module_state *st)
{
    st->finfo_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &Finfo_spec, NULL);
    return st->finfo_type ? 0 : -1;
}
