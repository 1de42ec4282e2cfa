from torch.nn import Linear
from torch.optim import SGD

model = dict(type=Linear, in_features=4, out_features=2)
optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.1))
epochs = 3
