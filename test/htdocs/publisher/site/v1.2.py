def index():
    return "dotted module"
