optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4),
    clip_grad=None,
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', milestones=[8, 11], gamma=0.1, by_epoch=True),
]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
