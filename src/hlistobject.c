/*
 * mp_hlist (HL-*).
 */
#include "hlistobject.h"
#include "util.h"

PyObject *mp_hlist_new(mp_module_state *st, apr_array_header_t *entries,
                       PyObject *owner)
{
    HlistObject *h = PyObject_GC_New(HlistObject, st->hlist_type);

    if (!h) {
        return NULL;
    }
    h->entries = entries;
    h->pos = 0;
    h->owner = Py_XNewRef(owner);
    PyObject_GC_Track(h);
    return (PyObject *)h;
}

/* The current entry, NULL at the end (or with an exception set if the
 * record behind it is gone). */
static mp_handler *current(HlistObject *h)
{
    if (h->owner && mp_wrapper_gone(h->owner)) {
        return NULL;
    }
    if (h->pos >= h->entries->nelts) {
        return NULL;
    }
    return &APR_ARRAY_IDX(h->entries, h->pos, mp_handler);
}

#define ENTRY_OR_NONE(h, e) \
    mp_handler *e = current((HlistObject *)(h)); \
    if (!e) { \
        if (PyErr_Occurred()) { return NULL; } \
        Py_RETURN_NONE; \
    }

static PyObject *Hlist_get_handler(PyObject *self, void *closure)
{
    ENTRY_OR_NONE(self, e);
    return mp_str_out(e->spec);
}

static PyObject *Hlist_get_directory(PyObject *self, void *closure)
{
    ENTRY_OR_NONE(self, e);
    return mp_str_out(e->directory);
}

static PyObject *Hlist_get_is_location(PyObject *self, void *closure)
{
    ENTRY_OR_NONE(self, e);
    return PyLong_FromLong(e->is_location);
}

static PyObject *Hlist_get_silent(PyObject *self, void *closure)
{
    ENTRY_OR_NONE(self, e);
    return PyLong_FromLong(e->silent);
}

static PyObject *Hlist_next(PyObject *self, PyObject *unused)
{
    HlistObject *h = (HlistObject *)self;

    if (h->pos < h->entries->nelts) {
        h->pos++;
    }
    Py_RETURN_NONE;
}

static PyObject *Hlist_repr(PyObject *self)
{
    mp_handler *e = current((HlistObject *)self);

    if (!e) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        return PyUnicode_FromString("{'handler': None, 'directory': None, "
                                    "'is_location': None, 'silent': None}");
    }
    {
        PyObject *spec = mp_str_out(e->spec);
        PyObject *dir = spec ? mp_str_out(e->directory) : NULL;
        PyObject *text = NULL;

        if (dir) {
            text = PyUnicode_FromFormat("{'handler': %R, 'directory': %R, "
                                        "'is_location': %s, 'silent': %d}",
                                        spec, dir,
                                        e->is_location ? "True" : "False",
                                        e->silent);
        }
        Py_XDECREF(spec);
        Py_XDECREF(dir);
        return text;
    }
}

static int Hlist_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(((HlistObject *)self)->owner);
    return 0;
}

static int Hlist_clear(PyObject *self)
{
    Py_CLEAR(((HlistObject *)self)->owner);
    return 0;
}

static void Hlist_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    Hlist_clear(self);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

static PyGetSetDef Hlist_getset[] = {
    {"handler", Hlist_get_handler, NULL, "the current handler spec"},
    {"directory", Hlist_get_directory, NULL,
     "directory the current entry was configured for"},
    {"is_location", Hlist_get_is_location, NULL,
     "1 if the current entry comes from a <Location>"},
    {"silent", Hlist_get_silent, NULL,
     "1 for a PythonHandlerModule entry"},
    {NULL}
};

static PyMethodDef Hlist_methods[] = {
    {"next", Hlist_next, METH_NOARGS, "Move to the next entry."},
    {NULL}
};

static PyType_Slot Hlist_slots[] = {
    {Py_tp_getset, Hlist_getset},
    {Py_tp_methods, Hlist_methods},
    {Py_tp_repr, Hlist_repr},
    {Py_tp_traverse, Hlist_traverse},
    {Py_tp_clear, Hlist_clear},
    {Py_tp_dealloc, Hlist_dealloc},
    {0, NULL}
};

static PyType_Spec Hlist_spec = {
    .name = "mp_hlist",
    .basicsize = sizeof(HlistObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Hlist_slots,
};

int mp_hlist_type_init(PyObject *module, mp_module_state *st)
{
    st->hlist_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &Hlist_spec, NULL);
    return st->hlist_type ? 0 : -1;
}
