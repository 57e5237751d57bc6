import sys

first = sys.stdin.readline()
rest = [line for line in sys.stdin]
print("Content-Type: text/plain; charset=utf-8")
print()
print(repr(first))
print(repr(rest))
