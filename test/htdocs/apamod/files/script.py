# An existing file: /apamod-files/script.py/extra has path_info /extra.
