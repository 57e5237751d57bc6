def index():
    return "a.txt module"
