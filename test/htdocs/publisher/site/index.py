"""Fallback page of the publisher suite (PUB-modfile)."""


def index():
    return "site index"


def cart():
    return "index cart"
