print("Content-Type: text/plain")
print()
raise RuntimeError("cgi script failed on purpose")
