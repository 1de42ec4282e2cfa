# The digits experiment with an iteration-based SGD schedule and bf16 mixed precision
# (AmpOptimWrapper -> Lightning precision='bf16-mixed'; works on CPUs and recent GPUs).
_base_ = [
    '../_base_/models/simple_cnn.py',
    '../_base_/datasets/digits.py',
    '../_base_/schedules/sgd_400iters.py',
    '../_base_/default_runtime.py',
]

# Iteration-based training draws batches from an endless sampler.
train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True))

optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')

# Checkpoints and log lines count iterations.
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=100, max_keep_ckpts=1),
)
log_processor = dict(by_epoch=False)

randomness = dict(seed=0)
work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
