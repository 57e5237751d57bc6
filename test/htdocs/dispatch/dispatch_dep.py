VALUE = "dep-one"
