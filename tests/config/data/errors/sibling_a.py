shared = 1
