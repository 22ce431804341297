# CPU twin of depth_upernet_bidense-convnext-t_nyu-480x480.py on the
# procedural NYUD stand-in (depth in metres, 128x160 crops): the same
# architecture narrowed as in synthetic_seg_bidense.py (head conv 8
# channels), the CPU schedule over 300 iterations (batch 4),
# MMSegmentation's DepthMetric.
#   python tools/train.py configs/bidense/synthetic_depth_bidense.py
# Twins: synthetic_depth_{fp,bnn,reactnet,bidense-deploy}.py.
_base_ = [
    './_base_/models/depth_upernet_bidense_convnext.py',
    './_base_/datasets/synthetic_nyud_depth.py',
    '../_base_/default_runtime.py', './_base_/schedules/adamw_onecycle_cpu.py'
]
crop_size = (128, 160)
cpu_arch = dict(
    _delete_=True, depths=[1, 1, 2, 1], channels=[24, 48, 96, 192])
model = dict(
    data_preprocessor=dict(
        type='MultiTaskDataPreProcessor',
        size=crop_size,
        test_cfg=dict(size_divisor=32)),
    backbone=dict(arch=cpu_arch),
    decode_head=dict(
        in_channels=[24, 48, 96, 192],
        channels=24,
        psp_channels=192,
        fuse_channels=32,
        head_channels=8))
randomness = dict(seed=0)
