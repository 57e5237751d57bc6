print("Content-type: text/plain")
print()
print("test ok")
