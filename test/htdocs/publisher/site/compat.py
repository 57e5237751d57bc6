"""A page opting out of the imported-names restriction."""
from publisher_sibling import helper

__publish_imported__ = True
