# CPU twin of dpt_bidense-vit-s_ade20k-512x512.py on the procedural NYUD
# stand-in (40-class semantic segmentation, 128x160 crops -> 112x140 =
# 8x10 patches inside the model): the same graph narrowed for a CPU
# (ViT: 96 features, 4 blocks, 3 heads, patch 14, outputs of all four
# blocks; decoder: post-process channels 12, 24, 48, 96, fusion width 32,
# head 32) over 300 iterations (batch 4) with the CPU schedule.
#   python tools/train.py configs/bidense/synthetic_seg_dpt_bidense.py
# FP twin: synthetic_seg_dpt_fp.py.
_base_ = [
    './_base_/models/dpt_bidense_vit.py',
    './_base_/datasets/synthetic_nyud_seg.py', '../_base_/default_runtime.py',
    './_base_/schedules/adamw_onecycle_cpu.py'
]
crop_size = (128, 160)
model = dict(
    data_preprocessor=dict(size=crop_size, test_cfg=dict(size_divisor=32)),
    backbone=dict(
        arch=dict(
            _delete_=True, embed_dims=96, depth=4, num_heads=3, mlp_ratio=4),
        img_size=140,
        out_indices=(0, 1, 2, 3)),
    decode_head=dict(
        in_channels=96,
        channels=32,
        post_process_channels=(12, 24, 48, 96),
        features=32,
        num_classes=40))
randomness = dict(seed=0)
