"""mod_python: Apache HTTP Server handlers written in Python.

Importing the package works anywhere; the ``apache`` module only inside
Apache, where the built-in ``_apache`` exists (apache-module.md APA-import).
"""

__all__ = ["apache", "cgihandler", "psp", "publisher", "util", "python22",
           "version"]

from . import version

mp_version = version.version

try:
    from . import apache
except ImportError:
    pass
