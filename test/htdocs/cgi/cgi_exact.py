print("Content-Type: text/plain")
print()
print("I am cgi_exact.py")
