# Epoch-based: AdamW, linear warm-up over the first 20 iterations, then cosine decay per epoch.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-3, weight_decay=1e-4),
)

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=6, eta_min=1e-5),
]

train_cfg = dict(by_epoch=True, max_epochs=6, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# Learning rate scaled by (total batch size / base_batch_size) when enabled.
auto_scale_lr = dict(enable=False, base_batch_size=32)
