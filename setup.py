"""pip's entry point (``pip install .``).  The build script itself is
setup.py.in, the file the project's layout keeps for it; unlike the other
.in files it needs no configure step, so it runs as it is, with this
file's name and directory.  See the docstring there."""
import os

_script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "setup.py.in")
with open(_script, encoding="utf-8") as _f:
    exec(compile(_f.read(), _script, "exec"))
