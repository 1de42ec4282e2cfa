# Iteration-based: SGD with momentum, linear warm-up over 40 iterations, steps at 250 and 350.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True),
)

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=40),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=400, milestones=[250, 350], gamma=0.1),
]

train_cfg = dict(type='IterBasedTrainLoop', max_iters=400, val_interval=100)
val_cfg = dict()
test_cfg = dict()

# An experiment using this schedule sets (the runtime base defines these keys):
#   default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=100))
#   log_processor = dict(by_epoch=False)
auto_scale_lr = dict(enable=False, base_batch_size=32)
