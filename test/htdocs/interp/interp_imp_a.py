"""Imported by PythonImport at child start (PH-pyimport-run)."""
import interp_imp_log

interp_imp_log.order.append("a")
