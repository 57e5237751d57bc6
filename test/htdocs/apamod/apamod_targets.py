"""Objects for apache.resolve_object (APA-resolve_object)."""
import types

nested = types.SimpleNamespace(deep=types.SimpleNamespace(value=42))


class Greeter:
    made = 0

    def __init__(self, arg):
        Greeter.made += 1
        self.arg = arg

    def greet(self):
        return "hello %s" % self.arg


def __getattr__(name):
    # Only a dotted path's first step goes through getattr.
    if name.startswith("dynamic"):
        return types.SimpleNamespace(value="got " + name)
    raise AttributeError(name)
