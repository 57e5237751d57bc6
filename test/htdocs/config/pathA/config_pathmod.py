WHERE = "A"
