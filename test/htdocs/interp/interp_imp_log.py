"""Where the PythonImport test modules note that they ran."""
order = []
