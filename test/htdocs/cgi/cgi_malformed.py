print("this is not a header")
print()
print("body")
