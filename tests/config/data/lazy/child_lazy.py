from mmengine.config import read_base

with read_base():
    from .base_lazy import *

import torch.nn as nn

model.update(dict(out_features=3))
activation = dict(type=nn.ReLU)
epochs = 5
