"""Module code runs before any auth check (PUB-import-before-auth)."""
from mod_python import apache

apache.log_error("publisher early module executed", apache.APLOG_NOTICE)

__auth__ = {"alice": "wonder"}


def index():
    return "early"
