_base_ = '../chain/level0.py'
only0 = dict(x=1)
