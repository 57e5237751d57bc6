import time

VALUE = "helper-1"
LOADED_AT = time.time()
