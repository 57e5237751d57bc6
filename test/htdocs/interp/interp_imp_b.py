"""Imported by PythonImport at child start, then setup() is called
(PH-pyimport-run)."""
import interp_imp_log

interp_imp_log.order.append("b")


def setup():
    interp_imp_log.order.append("b.setup")
