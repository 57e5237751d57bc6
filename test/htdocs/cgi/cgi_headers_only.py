# Ends without the blank line: the output is all headers.
print("Status: 204 No Content")
print("X-Only: headers", end="")
