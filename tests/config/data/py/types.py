scale = (1333, 800)
flags = [True, False, None]
nested = dict(a=[dict(b=(1, 2.5)), (3, [4, 5])], c={'not-an-identifier': 1, 'x': 'y'})
ratio = 0.5
big = 10**12
