_base_ = './level1.py'
a = dict(x=2)
only2 = [1, 2]
