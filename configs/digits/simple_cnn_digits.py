# SimpleCNN on scikit-learn's digits, 6 epochs of AdamW: ~98% validation accuracy in seconds on a CPU.
#   python -c "from mmlightning.config import Config; from mmlightning.runner import Runner; \
#       r = Runner.from_cfg(Config.fromfile('configs/digits/simple_cnn_digits.py')); \
#       r.train(); print(r.test())"
_base_ = [
    '../_base_/models/simple_cnn.py',
    '../_base_/datasets/digits.py',
    '../_base_/schedules/adamw_6e.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1, save_best='auto'),
)
randomness = dict(seed=0)
work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
