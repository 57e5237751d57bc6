"""A package for dotted import_module names."""
