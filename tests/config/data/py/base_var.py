_base_ = ['./base_model.py', './base_schedule.py']

backbone_depth = {{_base_.model.depth}}
schedulers = {{_base_.param_scheduler}}
model = dict(neck=dict(in_channels=_base_.model.out_indices))
depth_twice = _base_.model.depth * 2
