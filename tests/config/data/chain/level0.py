a = dict(x=0, y=0, z=0)
only0 = 'zero'
