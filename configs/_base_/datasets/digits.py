# scikit-learn's 8x8 digits (pip install 'mmlightning[examples]'), split 70/15/15 with seed 0.
dataset_type = 'DigitsDataset'
pipeline = [dict(type='PackInputs', input_key='img', data_keys=('gt_label',),
                 meta_keys=('sample_idx', 'img_id', 'img_shape', 'ori_shape'))]

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, split='train', pipeline=pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, split='val', pipeline=pipeline, test_mode=True),
)
test_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, split='test', pipeline=pipeline, test_mode=True),
)

val_evaluator = dict(type='Accuracy', topk=(1, 3))
test_evaluator = val_evaluator
