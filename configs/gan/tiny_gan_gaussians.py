# A GAN with two optimizers on a ring of 8 Gaussians: TinyGAN.train_step updates the
# discriminator then the generator through an OptimWrapperDict, which the Runner builds
# with MultiOptimWrapperConstructor (one wrapper per sub-module of the given names).
_base_ = ['../_base_/default_runtime.py']

model = dict(type='TinyGAN', data_dim=2, noise_dim=8, hidden=64, depth=2, disc_steps=1)

train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='GaussianMixtureDataset', num_samples=4096, num_modes=8, radius=2.0, std=0.05,
        seed=0, pipeline=[dict(type='PackInputs', input_key='point', data_keys=(),
                               meta_keys=('sample_idx', 'mode'))]),
)

# Validation draws one fake point per real one and measures quality and mode coverage.
val_dataloader = dict(
    batch_size=512,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='GaussianMixtureDataset', num_samples=2048, num_modes=8, radius=2.0, std=0.05,
        seed=1, test_mode=True,
        pipeline=[dict(type='PackInputs', input_key='point', data_keys=(),
                       meta_keys=('sample_idx', 'mode'))]),
)
val_evaluator = dict(type='GaussianMixtureCoverage', num_std=3.0)
val_cfg = dict()

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
)

train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=5)

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=1))
randomness = dict(seed=0)
work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
