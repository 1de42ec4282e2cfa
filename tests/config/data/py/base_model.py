model = dict(
    type='ResNet',
    depth=50,
    norm_cfg=dict(type='BN', requires_grad=True),
    out_indices=(0, 1, 2, 3),
    init_cfg=None,
)
data_preprocessor = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
