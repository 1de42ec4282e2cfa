_base_ = './level0.py'
a = dict(x=1, y=1)
