shared = 2
