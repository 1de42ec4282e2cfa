_base_ = ['./base_model.py', './base_schedule.py']

model = dict(depth=101, norm_cfg=dict(requires_grad=False))
optim_wrapper = dict(optimizer=dict(lr=0.02))
train_cfg = dict(max_epochs=24)
work_dir = './work_dirs/child'
