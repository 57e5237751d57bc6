"""mod_python's C API for other httpd modules (PH-start-optfn): a small
module built here uses the optional functions to run Python for its
own content handler."""
import shutil
import subprocess

import pytest

from conftest import BUILD, ROOT

OTHER_MODULE = r'''
#include <Python.h>
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "mod_python_api.h"

static int other_handler(request_rec *r)
{
    APR_OPTIONAL_FN_TYPE(mp_acquire_interpreter) *acquire;
    APR_OPTIONAL_FN_TYPE(mp_release_interpreter) *release;
    APR_OPTIONAL_FN_TYPE(mp_get_request_object) *get_req;
    APR_OPTIONAL_FN_TYPE(mp_get_server_object) *get_srv;
    APR_OPTIONAL_FN_TYPE(mp_get_connection_object) *get_conn;
    PyObject *req, *srv, *conn, *res;

    if (strcmp(r->handler, "other-module")) {
        return DECLINED;
    }
    acquire = APR_RETRIEVE_OPTIONAL_FN(mp_acquire_interpreter);
    release = APR_RETRIEVE_OPTIONAL_FN(mp_release_interpreter);
    get_req = APR_RETRIEVE_OPTIONAL_FN(mp_get_request_object);
    get_srv = APR_RETRIEVE_OPTIONAL_FN(mp_get_server_object);
    get_conn = APR_RETRIEVE_OPTIONAL_FN(mp_get_connection_object);
    if (!acquire || !acquire("other_interp")) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    req = get_req(r);
    srv = get_srv(r->server);
    conn = get_conn(r->connection);
    res = PyObject_CallMethod(req, "write", "s", "from C: ");
    Py_XDECREF(res);
    res = PyUnicode_FromFormat("%S %S %S\n",
                               PyObject_GetAttrString(req, "interpreter"),
                               PyObject_GetAttrString(srv, "server_hostname"),
                               PyObject_GetAttrString(conn, "client_ip"));
    PyObject_CallMethod(req, "write", "O", res);
    Py_XDECREF(res);
    Py_XDECREF(conn);
    Py_XDECREF(srv);
    Py_XDECREF(req);
    release();
    return OK;
}

static void other_hooks(apr_pool_t *p)
{
    ap_hook_handler(other_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA other_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, other_hooks
};
'''


def test_api_optional_functions(make_apache, tmp_path):
    """Another module acquires an interpreter and gets mod_python's
    request, server and connection objects (PH-start-optfn)."""
    apxs = shutil.which("apxs") or shutil.which("apxs2")
    if not apxs:
        pytest.skip("apxs is not installed")
    src = tmp_path / "mod_other.c"
    src.write_text(OTHER_MODULE)
    include = subprocess.run(
        [BUILD.get("PYTHON_BIN", "/usr/bin/python3"), "-c",
         "import sysconfig; print(sysconfig.get_path('include'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([apxs, "-c", "-I" + str(ROOT / "src" / "include"),
                    "-I" + include, "-o", "mod_other.so", str(src)],
                   cwd=tmp_path, check=True, capture_output=True)
    so = tmp_path / ".libs" / "mod_other.so"
    srv = make_apache("""
LoadModule other_module %s
<Location /other>
    SetHandler other-module
</Location>
""" % so)
    r = srv.get("/other")
    assert r.status_code == 200
    assert r.text == "from C: other_interp localhost 127.0.0.1\n"
