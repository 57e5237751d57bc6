"""Fails at import: logged, and the child carries on (PH-pyimport-fail)."""
raise ImportError("interp_imp_broken fails on purpose")
