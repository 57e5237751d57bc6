# Sphinx configuration of the mod_python documentation.
# Build: make doc (sphinx-build -W -n -b html doc doc/_build/html).
import re
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent

# The version, from the C header configure reads it from too.
_header = (TOP / "src" / "include" / "mp_version.h").read_text()
_parts = dict(re.findall(r"#define MP_VERSION_(MAJOR|MINOR|PATCH) (\d+)",
                         _header))
version = "%s.%s" % (_parts["MAJOR"], _parts["MINOR"])
release = "%s.%s" % (version, _parts["PATCH"])

project = "mod_python"
author = "the mod_python developers"
copyright = "the mod_python developers; Apache License 2.0"

extensions = []
master_doc = "index"
exclude_patterns = ["_build"]
highlight_language = "none"
pygments_style = "sphinx"
default_role = "literal"

html_theme = "alabaster"
html_title = "mod_python %s" % release
html_static_path = []
html_show_sourcelink = False
