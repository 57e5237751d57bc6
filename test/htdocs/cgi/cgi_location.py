print("Location: /cgi/cgi_hello.py")
print()
