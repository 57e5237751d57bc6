"""SSI <!--#python --> elements through mod_include.  Suite: htdocs/ssi/."""
import time

import pytest

ERROR_TEXT = "[an error occurred while processing this directive]"


def test_ssi_exec_and_eval(apache):
    """exec writes through filter, eval inserts str(result); a fixup can
    prepare req.ssi_globals (SSI-test, SSI-register, SSI-enable,
    SSI-syntax, SSI-eval, SSI-exec, SSI-globals, PH-ssi-tag, PH-ssi-run,
    DIR-httpd-Includes)."""
    r = apache.get("/ssi/test.shtml")
    assert r.status_code == 200
    assert r.text.strip() == "test ok"


def test_ssi_order_globals_and_print(apache):
    """Output lands at the element's place; globals persist across the
    page's elements; None prints nothing; __file__ is the page; print
    works with file=filter (SSI-globals, SSI-eval, SSI-exec,
    SSI-code-prep, SSI-flush, SSI-interp)."""
    r = apache.get("/ssi/order.shtml")
    assert r.text == "before middle after 42|True|printed\nend\n"


def test_ssi_false_conditional_skips(apache):
    """Elements in a false #if branch do not run (SSI-conditionals,
    SSI-noexec)."""
    assert apache.get("/ssi/cond.shtml").text == "else\n"


@pytest.mark.log_expected(r"MP0050")
def test_ssi_element_errors(apache):
    """Malformed elements: logged and mod_include's error text in the
    page (SSI-syntax, PH-ssi-tag)."""
    r = apache.get("/ssi/errors.shtml")
    assert r.text == "A{e}B{e}C{e}D{e}E\n".format(e=ERROR_TEXT)
    time.sleep(0.2)
    log = apache.error_log()
    page = str(apache.htdocs / "ssi" / "errors.shtml")
    assert "missing 'eval/exec' parameter to tag 'python' in " + page in log
    assert "empty value for 'eval' parameter to tag 'python' in " + page \
        in log
    assert "multiple 'eval/exec' parameters to tag 'python' in " + page \
        in log
    assert "unexpected 'code' parameter to tag 'python' in " + page in log


@pytest.mark.log_expected(r"MP0050")
def test_ssi_noexec(apache):
    """IncludesNOEXEC refuses #python (SSI-noexec)."""
    r = apache.get("/ssi/noexec/page.shtml")
    assert r.text == "x%sy\n" % ERROR_TEXT
    time.sleep(0.2)
    assert "#python used but not allowed in" in apache.error_log()


@pytest.mark.log_expected(r"includes .*raise.shtml: ",
                          r"includes .*debug.shtml: ")
def test_ssi_exception(apache):
    """An exception: traceback logged with the filter name and file, the
    error text in the page, the rest of the page still sent; with
    PythonDebug the escaped traceback too (SSI-errors, PH-err-log,
    PH-err-filter)."""
    r = apache.get("/ssi/raise.shtml")
    assert r.text == "start %s end\n" % ERROR_TEXT
    time.sleep(0.2)
    assert "ZeroDivisionError" in apache.error_log()
    r = apache.get("/ssi/debug.shtml")
    assert "Mod_python error" in r.text and "ZeroDivisionError" in r.text
    assert r.text.startswith("start ") and r.text.endswith(" end\n")
