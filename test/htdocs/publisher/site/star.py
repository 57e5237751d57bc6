"""A page with a star import (PUB-imported-callables)."""
from publisher_sibling import *

own = "own value"


def page():
    return "star page"


def _set_later():
    global later
    later = "later value"


_set_later()
