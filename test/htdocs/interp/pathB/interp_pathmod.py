WHERE = "B"
