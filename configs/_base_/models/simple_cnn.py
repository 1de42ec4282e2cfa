# A small CNN for grey images (8x8 digits); the preprocessor normalises 0..16 pixel values.
model = dict(
    type='SimpleCNNClassifier',
    num_classes=10,
    in_channels=1,
    channels=(16, 32),
    pool_size=2,
    dropout=0.2,
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[4.88], std=[6.02]),
)
