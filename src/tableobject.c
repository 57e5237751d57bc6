/*
 * mp_table (request-object.md 3).  Keys compare case-insensitively, as in
 * httpd; a key may hold several values, kept in insertion order.
 */
#include "tableobject.h"
#include "util.h"

apr_table_t *mp_table_get(PyObject *self)
{
    TableObject *t = (TableObject *)self;

    if (t->owner && mp_wrapper_gone(t->owner)) {
        return NULL;
    }
    return t->table;
}

#define TABLE_OR_FAIL(var, self, fail) \
    apr_table_t *var = mp_table_get((PyObject *)(self)); \
    if (!var) { return fail; }

static const apr_table_entry_t *entries(apr_table_t *t, int *n)
{
    const apr_array_header_t *arr = apr_table_elts(t);

    *n = arr->nelts;
    return (const apr_table_entry_t *)arr->elts;
}

PyObject *mp_table_wrap(mp_module_state *st, apr_table_t *table,
                        PyObject *owner)
{
    TableObject *t = PyObject_GC_New(TableObject, st->table_type);

    if (!t) {
        return NULL;
    }
    t->table = table;
    t->pool = NULL;
    t->owner = Py_XNewRef(owner);
    t->headers = 0;
    PyObject_GC_Track(t);
    return (PyObject *)t;
}

PyObject *mp_table_headers(PyObject *table)
{
    if (table) {
        ((TableObject *)table)->headers = 1;
    }
    return table;
}

/* Whether a key given by the caller is str or bytes (OBJ-str-in); else
 * TypeError. */
static int key_ok(PyObject *key)
{
    if (!PyUnicode_Check(key) && !PyBytes_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "table keys must be strings");
        return 0;
    }
    return 1;
}

/* A key to look up: lookups take any key. */
static char *key_in(apr_pool_t *p, PyObject *key)
{
    return key_ok(key) ? mp_str_in(p, key) : NULL;
}

/* A key or value (`what`) to store: in a header table it must stay on its
 * line. */
static char *stored_in(apr_pool_t *p, PyObject *self, PyObject *obj,
                       const char *what)
{
    return ((TableObject *)self)->headers ? mp_header_in(p, obj, what)
                                          : mp_str_in(p, obj);
}

/* A key and a value to store, both checked: 0, or -1 with an exception. */
static int entry_in(apr_pool_t *p, PyObject *self, PyObject *key,
                    PyObject *value, char **k, char **v)
{
    if (!key_ok(key) || !(*k = stored_in(p, self, key, "a header name"))
        || !(*v = stored_in(p, self, value, "a header value"))) {
        return -1;
    }
    return 0;
}

/* All values for `key` as a new list, in insertion order. */
static PyObject *values_for(apr_table_t *t, const char *key)
{
    PyObject *list = PyList_New(0);
    const apr_table_entry_t *e;
    int i, n;

    if (!list) {
        return NULL;
    }
    e = entries(t, &n);
    for (i = 0; i < n; i++) {
        PyObject *v;

        if (!e[i].key || strcasecmp(e[i].key, key)) {
            continue;
        }
        v = mp_str_out(e[i].val);
        if (!v || PyList_Append(list, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(v);
    }
    return list;
}

/*
 * A pool for the C copies of keys and values a table operation makes:
 * one per thread, kept and cleared after each use (release_scratch), so
 * the per-request table operations allocate no pool of their own.
 */
static __thread apr_pool_t *scratch;

static apr_pool_t *scratch_pool(void)
{
    if (!scratch && apr_pool_create(&scratch, NULL) != APR_SUCCESS) {
        scratch = NULL;
        PyErr_NoMemory();
    }
    return scratch;
}

static void release_scratch(apr_pool_t *p)
{
    apr_pool_clear(p);
}

static PyObject *Table_subscript(PyObject *self, PyObject *key)
{
    TABLE_OR_FAIL(t, self, NULL);
    apr_pool_t *p = scratch_pool();
    PyObject *list, *result = NULL;
    char *k;

    if (!p) {
        return NULL;
    }
    if ((k = key_in(p, key)) && (list = values_for(t, k))) {
        Py_ssize_t n = PyList_GET_SIZE(list);

        if (n == 0) {
            PyErr_SetObject(PyExc_KeyError, key);
        }
        else if (n == 1) {
            result = Py_NewRef(PyList_GET_ITEM(list, 0));
        }
        else {
            result = Py_NewRef(list);
        }
        Py_DECREF(list);
    }
    release_scratch(p);
    return result;
}

static int Table_ass_subscript(PyObject *self, PyObject *key,
                               PyObject *value)
{
    TABLE_OR_FAIL(t, self, -1);
    apr_pool_t *p = scratch_pool();
    char *k, *v = NULL;
    int rc = -1;

    if (!p) {
        return -1;
    }
    if (value ? entry_in(p, self, key, value, &k, &v) == 0
              : (k = key_in(p, key)) != NULL) {
        if (value) {
            apr_table_set(t, k, v);
        }
        else {
            apr_table_unset(t, k);      /* no error if absent */
        }
        rc = 0;
    }
    release_scratch(p);
    return rc;
}

static Py_ssize_t Table_length(PyObject *self)
{
    TABLE_OR_FAIL(t, self, -1);
    return apr_table_elts(t)->nelts;
}

static int contains(apr_table_t *t, PyObject *key)
{
    apr_pool_t *p = scratch_pool();
    const apr_table_entry_t *e;
    char *k;
    int i, n, found = -1;

    if (!p) {
        return -1;
    }
    if ((k = key_in(p, key))) {
        found = 0;
        e = entries(t, &n);
        for (i = 0; i < n && !found; i++) {
            found = e[i].key && !strcasecmp(e[i].key, k);
        }
    }
    release_scratch(p);
    return found;
}

static int Table_contains(PyObject *self, PyObject *key)
{
    TABLE_OR_FAIL(t, self, -1);
    return contains(t, key);
}

/* What to build from each entry. */
enum { TABLE_KEYS, TABLE_VALUES, TABLE_ITEMS };

static PyObject *entry_object(const apr_table_entry_t *e, int what)
{
    PyObject *k, *v, *pair;

    if (what == TABLE_KEYS) {
        return mp_str_out(e->key);
    }
    if (what == TABLE_VALUES) {
        return mp_str_out(e->val);
    }
    k = mp_str_out(e->key);
    v = k ? mp_str_out(e->val) : NULL;
    pair = v ? PyTuple_Pack(2, k, v) : NULL;
    Py_XDECREF(k);
    Py_XDECREF(v);
    return pair;
}

static PyObject *entry_list(PyObject *self, int what)
{
    TABLE_OR_FAIL(t, self, NULL);
    const apr_table_entry_t *e;
    PyObject *list;
    int i, n;

    e = entries(t, &n);
    if (!(list = PyList_New(0))) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *item;

        if (!e[i].key) {
            continue;
        }
        item = entry_object(&e[i], what);
        if (!item || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(item);
    }
    return list;
}

static PyObject *Table_keys(PyObject *self, PyObject *unused)
{
    return entry_list(self, TABLE_KEYS);
}

static PyObject *Table_values(PyObject *self, PyObject *unused)
{
    return entry_list(self, TABLE_VALUES);
}

static PyObject *Table_items(PyObject *self, PyObject *unused)
{
    return entry_list(self, TABLE_ITEMS);
}

/* ---- iteration (TBL-iter): fails if the table changes size ---- */

typedef struct {
    PyObject_HEAD
    PyObject *table;
    int pos;
    int size;
    int what;
} TableIterObject;

static PyObject *new_iter(PyObject *self, int what)
{
    TABLE_OR_FAIL(t, self, NULL);
    mp_module_state *st = mp_module_state_of(Py_TYPE(self));
    TableIterObject *it;

    if (!st) {
        return NULL;
    }
    it = PyObject_GC_New(TableIterObject, st->table_iter_type);
    if (!it) {
        return NULL;
    }
    it->table = Py_NewRef(self);
    it->pos = 0;
    it->size = apr_table_elts(t)->nelts;
    it->what = what;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

static PyObject *TableIter_next(PyObject *self)
{
    TableIterObject *it = (TableIterObject *)self;
    const apr_table_entry_t *e;
    apr_table_t *t = mp_table_get(it->table);
    int n;

    if (!t) {
        return NULL;
    }
    e = entries(t, &n);
    if (n != it->size) {
        PyErr_SetString(PyExc_RuntimeError,
                        "table changed size during iteration");
        return NULL;
    }
    while (it->pos < n && !e[it->pos].key) {
        it->pos++;
    }
    if (it->pos >= n) {
        return NULL;
    }
    return entry_object(&e[it->pos++], it->what);
}

static int TableIter_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(((TableIterObject *)self)->table);
    return 0;
}

static int TableIter_clear(PyObject *self)
{
    Py_CLEAR(((TableIterObject *)self)->table);
    return 0;
}

static void TableIter_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    TableIter_clear(self);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

static PyType_Slot TableIter_slots[] = {
    {Py_tp_iter, PyObject_SelfIter},
    {Py_tp_iternext, TableIter_next},
    {Py_tp_traverse, TableIter_traverse},
    {Py_tp_clear, TableIter_clear},
    {Py_tp_dealloc, TableIter_dealloc},
    {0, NULL}
};

static PyType_Spec TableIter_spec = {
    .name = "_apache.mp_table_iterator",
    .basicsize = sizeof(TableIterObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = TableIter_slots,
};

static PyObject *Table_iter(PyObject *self)
{
    return new_iter(self, TABLE_KEYS);
}

static PyObject *Table_iterkeys(PyObject *self, PyObject *unused)
{
    return new_iter(self, TABLE_KEYS);
}

static PyObject *Table_itervalues(PyObject *self, PyObject *unused)
{
    return new_iter(self, TABLE_VALUES);
}

static PyObject *Table_iteritems(PyObject *self, PyObject *unused)
{
    return new_iter(self, TABLE_ITEMS);
}

/* ---- methods ---- */

/* First value for `key`: new ref, NULL without exception when absent. */
static PyObject *first_value(apr_table_t *t, PyObject *key, int *found)
{
    apr_pool_t *p = scratch_pool();
    const apr_table_entry_t *e;
    PyObject *result = NULL;
    char *k;
    int i, n;

    *found = 0;
    if (!p) {
        return NULL;
    }
    if ((k = key_in(p, key))) {
        e = entries(t, &n);
        for (i = 0; i < n; i++) {
            if (e[i].key && !strcasecmp(e[i].key, k)) {
                *found = 1;
                result = mp_str_out(e[i].val);
                break;
            }
        }
    }
    release_scratch(p);
    return result;
}

static PyObject *Table_get(PyObject *self, PyObject *args)
{
    TABLE_OR_FAIL(t, self, NULL);
    PyObject *key, *deflt = Py_None, *v;
    int found;

    if (!PyArg_ParseTuple(args, "O|O:get", &key, &deflt)) {
        return NULL;
    }
    v = first_value(t, key, &found);
    if (found || PyErr_Occurred()) {
        return v;
    }
    return Py_NewRef(deflt);
}

static PyObject *Table_setdefault(PyObject *self, PyObject *args)
{
    TABLE_OR_FAIL(t, self, NULL);
    PyObject *key, *deflt = NULL, *v;
    int found;

    if (!PyArg_ParseTuple(args, "O|O:setdefault", &key, &deflt)) {
        return NULL;
    }
    v = first_value(t, key, &found);
    if (found || PyErr_Occurred()) {
        return v;
    }
    if (!deflt) {
        deflt = PyUnicode_FromString("");
    }
    else {
        Py_INCREF(deflt);
    }
    if (!deflt || Table_ass_subscript(self, key, deflt) < 0) {
        Py_XDECREF(deflt);
        return NULL;
    }
    return deflt;
}

static PyObject *Table_has_key(PyObject *self, PyObject *key)
{
    TABLE_OR_FAIL(t, self, NULL);
    int found = contains(t, key);

    return found < 0 ? NULL : PyLong_FromLong(found);
}

static int add_entry(PyObject *self, apr_table_t *t, PyObject *key,
                     PyObject *value)
{
    apr_pool_t *p = scratch_pool();
    char *k, *v;
    int rc = -1;

    if (!p) {
        return -1;
    }
    if (entry_in(p, self, key, value, &k, &v) == 0) {
        apr_table_add(t, k, v);
        rc = 0;
    }
    release_scratch(p);
    return rc;
}

static PyObject *Table_add(PyObject *self, PyObject *args)
{
    TABLE_OR_FAIL(t, self, NULL);
    PyObject *key, *value;

    if (!PyArg_ParseTuple(args, "OO:add", &key, &value)
        || add_entry(self, t, key, value) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* t[str(k)] = str(v) (or add) for each key of `mapping`. */
static int merge_mapping(PyObject *self, PyObject *mapping, int add)
{
    apr_table_t *t = mp_table_get(self);
    PyObject *keys, *iter, *k;
    int rc = 0;

    if (!t || !(keys = PyObject_CallMethod(mapping, "keys", NULL))) {
        return -1;
    }
    iter = PyObject_GetIter(keys);
    Py_DECREF(keys);
    if (!iter) {
        return -1;
    }
    while (rc == 0 && (k = PyIter_Next(iter))) {
        PyObject *v = PyObject_GetItem(mapping, k);
        PyObject *ks = v ? PyObject_Str(k) : NULL;
        PyObject *vs = ks ? PyObject_Str(v) : NULL;

        if (!vs) {
            rc = -1;
        }
        else if (add) {
            rc = add_entry(self, t, ks, vs);
        }
        else {
            rc = Table_ass_subscript(self, ks, vs);
        }
        Py_XDECREF(vs);
        Py_XDECREF(ks);
        Py_XDECREF(v);
        Py_DECREF(k);
    }
    Py_DECREF(iter);
    return (rc < 0 || PyErr_Occurred()) ? -1 : 0;
}

static PyObject *Table_update(PyObject *self, PyObject *mapping)
{
    if (merge_mapping(self, mapping, 0) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *Table_clear(PyObject *self, PyObject *unused)
{
    TABLE_OR_FAIL(t, self, NULL);
    apr_table_clear(t);
    Py_RETURN_NONE;
}

static PyObject *new_own_table(PyTypeObject *type);

static PyObject *Table_copy(PyObject *self, PyObject *unused)
{
    TABLE_OR_FAIL(t, self, NULL);
    mp_module_state *st = mp_module_state_of(Py_TYPE(self));
    const apr_table_entry_t *e;
    TableObject *copy;
    int i, n;

    if (!st || !(copy = (TableObject *)new_own_table(st->table_type))) {
        return NULL;
    }
    /* Entry by entry: httpd's own overlap would join repeated keys. */
    e = entries(t, &n);
    for (i = 0; i < n; i++) {
        if (e[i].key) {
            apr_table_add(copy->table, e[i].key, e[i].val);
        }
    }
    return (PyObject *)copy;
}

static PyObject *Table_popitem(PyObject *self, PyObject *unused)
{
    TABLE_OR_FAIL(t, self, NULL);
    const apr_table_entry_t *e;
    apr_table_entry_t *keep = NULL;
    PyObject *pair;
    int i, n;

    e = entries(t, &n);
    while (n > 0 && !e[n - 1].key) {
        n--;
    }
    if (n == 0) {
        PyErr_SetString(PyExc_KeyError, "popitem(): table is empty");
        return NULL;
    }
    if (!(pair = entry_object(&e[n - 1], TABLE_ITEMS))) {
        return NULL;
    }
    /* Remove exactly the last entry.  httpd can only unset every entry of
     * a key, so rebuild the table from the others, in their order; their
     * strings stay in the table's pool, so they need no copying. */
    if (n > 1) {
        if (!(keep = malloc((n - 1) * sizeof(*keep)))) {
            Py_DECREF(pair);
            return PyErr_NoMemory();
        }
        memcpy(keep, e, (n - 1) * sizeof(*keep));
    }
    apr_table_clear(t);
    for (i = 0; i < n - 1; i++) {
        if (keep[i].key) {
            apr_table_addn(t, keep[i].key, keep[i].val);
        }
    }
    free(keep);
    return pair;
}

/* A plain dict of the table, one item per key as spelt; a key that occurs
 * more than once maps to the list of its values (TBL-eq). */
static PyObject *as_dict(PyObject *self)
{
    TABLE_OR_FAIL(t, self, NULL);
    const apr_table_entry_t *e;
    PyObject *dict = PyDict_New();
    int i, n;

    if (!dict) {
        return NULL;
    }
    e = entries(t, &n);
    for (i = 0; i < n; i++) {
        PyObject *k, *v, *old;
        int rc = -1;

        if (!e[i].key) {
            continue;
        }
        k = mp_str_out(e[i].key);
        v = k ? mp_str_out(e[i].val) : NULL;
        old = v ? PyDict_GetItemWithError(dict, k) : NULL;
        if (old && PyList_Check(old)) {
            rc = PyList_Append(old, v);
        }
        else if (old) {
            PyObject *list = PyList_New(2);

            if (list) {
                PyList_SET_ITEM(list, 0, Py_NewRef(old));
                PyList_SET_ITEM(list, 1, Py_NewRef(v));
                rc = PyDict_SetItem(dict, k, list);
                Py_DECREF(list);
            }
        }
        else if (v && !PyErr_Occurred()) {
            rc = PyDict_SetItem(dict, k, v);
        }
        Py_XDECREF(k);
        Py_XDECREF(v);
        if (rc < 0) {
            Py_DECREF(dict);
            return NULL;
        }
    }
    return dict;
}

static PyObject *Table_richcompare(PyObject *self, PyObject *other, int op)
{
    mp_module_state *st = mp_module_state_of(Py_TYPE(self));
    PyObject *a, *b, *result;

    if (!st) {
        return NULL;
    }
    if (PyObject_TypeCheck(other, st->table_type)) {
        b = as_dict(other);
    }
    else if (PyDict_Check(other)) {
        b = Py_NewRef(other);
    }
    else {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!b || !(a = as_dict(self))) {
        Py_XDECREF(b);
        return NULL;
    }
    result = PyObject_RichCompare(a, b, op);
    Py_DECREF(a);
    Py_DECREF(b);
    return result;
}

static Py_hash_t Table_hash(PyObject *self)
{
    PyErr_SetString(PyExc_TypeError, "mp_table objects are unhashable");
    return -1;
}

static PyObject *Table_repr(PyObject *self)
{
    PyObject *items = Table_items(self, NULL);
    PyObject *parts, *sep, *body, *result = NULL;
    Py_ssize_t i;

    if (!items) {
        return NULL;
    }
    parts = PyList_New(0);
    for (i = 0; parts && i < PyList_GET_SIZE(items); i++) {
        PyObject *pair = PyList_GET_ITEM(items, i);
        PyObject *part = PyUnicode_FromFormat("%R: %R",
                                              PyTuple_GET_ITEM(pair, 0),
                                              PyTuple_GET_ITEM(pair, 1));

        if (!part || PyList_Append(parts, part) < 0) {
            Py_XDECREF(part);
            Py_CLEAR(parts);
            break;
        }
        Py_DECREF(part);
    }
    Py_DECREF(items);
    if (!parts) {
        return NULL;
    }
    sep = PyUnicode_FromString(", ");
    body = sep ? PyUnicode_Join(sep, parts) : NULL;
    if (body) {
        result = PyUnicode_FromFormat("{%U}", body);
    }
    Py_XDECREF(body);
    Py_XDECREF(sep);
    Py_DECREF(parts);
    return result;
}

/* ---- construction ---- */

static PyObject *new_own_table(PyTypeObject *type)
{
    TableObject *t = (TableObject *)type->tp_alloc(type, 0);

    if (!t) {
        return NULL;
    }
    if (apr_pool_create(&t->pool, NULL) != APR_SUCCESS) {
        Py_DECREF(t);
        return PyErr_NoMemory();
    }
    t->table = apr_table_make(t->pool, 8);
    return (PyObject *)t;
}

/* Add the pairs of an iterable of 2-item sequences (TBL-new). */
static int add_pairs(PyObject *self, PyObject *seq)
{
    apr_table_t *t = mp_table_get(self);
    PyObject *iter = PyObject_GetIter(seq), *item;
    Py_ssize_t i = 0;
    int rc = 0;

    if (!iter) {
        return -1;
    }
    while (rc == 0 && (item = PyIter_Next(iter))) {
        PyObject *fast = PySequence_Fast(item, "");
        Py_ssize_t n;

        if (!fast) {
            PyErr_Format(PyExc_TypeError, "cannot convert table update "
                         "sequence element #%zd to a sequence", i);
            rc = -1;
        }
        else if ((n = PySequence_Fast_GET_SIZE(fast)) != 2) {
            PyErr_Format(PyExc_ValueError, "table update sequence element "
                         "#%zd has length %zd; 2 is required", i, n);
            rc = -1;
        }
        else {
            PyObject *k = PyObject_Str(PySequence_Fast_GET_ITEM(fast, 0));
            PyObject *v = k ? PyObject_Str(PySequence_Fast_GET_ITEM(fast, 1))
                            : NULL;

            rc = v ? add_entry(self, t, k, v) : -1;
            Py_XDECREF(k);
            Py_XDECREF(v);
        }
        Py_XDECREF(fast);
        Py_DECREF(item);
        i++;
    }
    Py_DECREF(iter);
    return (rc < 0 || PyErr_Occurred()) ? -1 : 0;
}

static PyObject *Table_new(PyTypeObject *type, PyObject *args,
                           PyObject *kwds)
{
    static char *kwlist[] = {"items", NULL};
    PyObject *init = NULL, *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:table", kwlist,
                                     &init)) {
        return NULL;
    }
    if (!(self = new_own_table(type))) {
        return NULL;
    }
    if (init && init != Py_None) {
        int rc = PyObject_HasAttrString(init, "keys")
                 ? merge_mapping(self, init, 1) : add_pairs(self, init);

        if (rc < 0) {
            Py_DECREF(self);
            return NULL;
        }
    }
    return self;
}

static int Table_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(((TableObject *)self)->owner);
    return 0;
}

static int Table_clear_refs(PyObject *self)
{
    Py_CLEAR(((TableObject *)self)->owner);
    return 0;
}

static void Table_dealloc(PyObject *self)
{
    TableObject *t = (TableObject *)self;
    PyTypeObject *tp = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    Table_clear_refs(self);
    if (t->pool) {
        apr_pool_destroy(t->pool);
    }
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Table_methods[] = {
    {"keys", Table_keys, METH_NOARGS, "List of keys, repeats included."},
    {"values", Table_values, METH_NOARGS, "List of values."},
    {"items", Table_items, METH_NOARGS, "List of (key, value) pairs."},
    {"iterkeys", Table_iterkeys, METH_NOARGS, "Iterator over the keys."},
    {"itervalues", Table_itervalues, METH_NOARGS,
     "Iterator over the values."},
    {"iteritems", Table_iteritems, METH_NOARGS,
     "Iterator over (key, value) pairs."},
    {"get", Table_get, METH_VARARGS, "First value of key, or default."},
    {"setdefault", Table_setdefault, METH_VARARGS,
     "First value of key; stores default when absent."},
    {"has_key", Table_has_key, METH_O, "1 if key is present, else 0."},
    {"add", Table_add, METH_VARARGS,
     "Add a value for key, keeping the values it has."},
    {"update", Table_update, METH_O, "t[str(k)] = str(v) for a mapping."},
    {"clear", Table_clear, METH_NOARGS, "Remove every entry."},
    {"copy", Table_copy, METH_NOARGS, "A new, independent table."},
    {"popitem", Table_popitem, METH_NOARGS,
     "Remove and return the last (key, value) pair."},
    {NULL}
};

static PyType_Slot Table_slots[] = {
    {Py_tp_doc, "table([mapping_or_pairs]) -> case-insensitive, ordered, "
                "multi-valued mapping of strings"},
    {Py_tp_new, Table_new},
    {Py_tp_dealloc, Table_dealloc},
    {Py_tp_traverse, Table_traverse},
    {Py_tp_clear, Table_clear_refs},
    {Py_tp_repr, Table_repr},
    {Py_tp_hash, Table_hash},
    {Py_tp_richcompare, Table_richcompare},
    {Py_tp_iter, Table_iter},
    {Py_tp_methods, Table_methods},
    {Py_mp_length, Table_length},
    {Py_mp_subscript, Table_subscript},
    {Py_mp_ass_subscript, Table_ass_subscript},
    {Py_sq_contains, Table_contains},
    {0, NULL}
};

static PyType_Spec Table_spec = {
    .name = "mp_table",
    .basicsize = sizeof(TableObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = Table_slots,
};

int mp_table_type_init(PyObject *module, mp_module_state *st)
{
    st->table_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &Table_spec, NULL);
    st->table_iter_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &TableIter_spec, NULL);
    if (!st->table_type || !st->table_iter_type) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "table",
                                 (PyObject *)st->table_type);
}
