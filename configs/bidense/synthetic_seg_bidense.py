# CPU twin of upernet_bidense-convnext-t_ade20k-512x512.py on the procedural
# NYUD stand-in (40-class semantic segmentation, 128x160 crops): the same
# architecture narrowed for a CPU (ConvNeXt depths 1,1,2,1, widths
# 24..192; decoder: FPN width 24 = the first level, PPM output 192,
# projection 32, head conv 32 channels) over 300 iterations (batch 4) with
# the CPU schedule (_base_/schedules/adamw_onecycle_cpu.py: peak lr 2e-3,
# iteration-based; the reference's 1e-4 per-epoch cycle does not train in
# 300 iterations).
#   python tools/dataset_converters/make_synthetic_nyud.py \
#       --out data/synthetic_nyud --num-train 400 --num-val 100 --size 120 160
#   python tools/train.py configs/bidense/synthetic_seg_bidense.py
# Twins: synthetic_seg_{fp,bnn,reactnet,bidense-deploy}.py.
_base_ = [
    './_base_/models/upernet_bidense_convnext.py',
    './_base_/datasets/synthetic_nyud_seg.py', '../_base_/default_runtime.py',
    './_base_/schedules/adamw_onecycle_cpu.py'
]
crop_size = (128, 160)
cpu_arch = dict(
    _delete_=True, depths=[1, 1, 2, 1], channels=[24, 48, 96, 192])
model = dict(
    data_preprocessor=dict(size=crop_size, test_cfg=dict(size_divisor=32)),
    backbone=dict(arch=cpu_arch),
    decode_head=dict(
        in_channels=[24, 48, 96, 192],
        channels=24,
        psp_channels=192,
        fuse_channels=32,
        head_channels=32,
        num_classes=40))
randomness = dict(seed=0)
