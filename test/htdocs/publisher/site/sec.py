"""Security advisories (PUB-hist-*, PUB-tp-*, PUB-imported-callables)."""
import abc
import os
import os.path as ospath
from os.path import join
from publisher_sibling import helper, CONFIG
import publisher_sibling
import functools

secret = "public value"
_private = "private value"
__dunder = "dunder value"
data = {"a": 1}
keys_alias = data.keys
upper_alias = str.upper
text = "some text"


def func():
    return "func"


func.attr = "function attribute"


class Plain:
    def method(self):
        return "method"


class Meta(abc.ABC):
    def __init__(self):
        pass

    def __str__(self):
        return "abc instance"


class Node:
    label = "node label"

    def __init__(self, child=None):
        self.child = child

    def __call__(self):
        return "node called"

    def hello(self, who="world"):
        return "hello " + who


tree = Node(Node())
obj = Plain()
gen_alias = (x for x in range(3))


def _wrap(f):
    @functools.wraps(f)
    def wrapper():
        return "wrapped " + f()
    return wrapper


@_wrap
def decorated():
    return "inner"


def broken_getattr_holder():
    return "x"


class Boom:
    @property
    def prop(self):
        raise ValueError("property raised on purpose")


boom = Boom()
rebound = publisher_sibling.helper
