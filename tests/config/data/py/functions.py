_base_ = './base_model.py'

import math  # noqa: E402
from os.path import join  # noqa: E402


def helper(x):
    return x * 2


model = dict(type='ResNet', loss=dict(fn=join), depth=helper(25), scale=math.pi)
