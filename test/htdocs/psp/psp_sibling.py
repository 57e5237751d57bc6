"""Imported by import.psp: the page's directory is on sys.path."""
VALUE = "sibling module value"
