"""A package for PythonOption rootpkg."""
