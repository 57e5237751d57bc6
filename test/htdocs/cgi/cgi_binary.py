import sys

data = sys.stdin.buffer.read()
sys.stdout.write("Content-Type: application/octet-stream\n\n")
sys.stdout.buffer.write(data[::-1])
sys.stdout.flush()
sys.stdout.write("|%d" % sys.stdout.tell())
