"""A helper next to the pages: importable, and a page itself."""
import os

CONFIG = {"secret": "sibling-config-secret"}
loads = []


def helper(path="x"):
    return "helper ran with " + path


def index():
    return "sibling page"
