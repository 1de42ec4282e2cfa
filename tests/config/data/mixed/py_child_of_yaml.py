_base_ = ['../yaml/base.yaml', './base.json']
model = dict(num_classes=3)
dataset = dict(batch_size=16)
