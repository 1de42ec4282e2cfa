model = dict(
    type='ResNet',
    depth=50
    norm=None,
)
