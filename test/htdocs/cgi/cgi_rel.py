import time

time.sleep(0.1)
with open("data.txt") as f:
    data = f.read().strip()
print("Content-Type: text/plain")
print()
print(data, end="")
