# CPU twin of mt_bidense-convnext-t_nyud.py on the procedural NYUD stand-in
# (all four tasks, 120x160 input padded to 128x160): the narrow BiDense
# ConvNeXt of synthetic_seg_bidense.py, the CPU-sized multi-task decoder of
# configs/mtdp/synthetic_r18_fp.py, AdamW + one-cycle over 300 iterations.
#   python tools/train.py configs/bidense/synthetic_mt_bidense.py
# Full-precision twin: synthetic_mt_fp.py.
_base_ = ['../mtdp/synthetic_r18_fp.py']
norm_cfg = dict(type='BN', requires_grad=True)
block_conv = dict(type='BiDenseConv', norm_cfg=None, with_bypass=False)
block = dict(conv_cfg=block_conv, act_cfg=dict(type='PReLU'), bypass=True)
model = dict(
    backbone=dict(
        _delete_=True,
        type='BiDenseConvNeXt',
        arch=dict(depths=[1, 1, 2, 1], channels=[24, 48, 96, 192]),
        conv_cfg=dict(type='BiDenseConv'),
        norm_cfg=norm_cfg,
        out_norm_cfg=None,  # stages end in a BN already
        out_indices=(0, 1, 2, 3)),
    decoder=dict(in_channels=[24, 48, 96, 192], **block),
    decode_heads=dict(seg=block, depth=block, normal=block, edge=block))
max_iters = 300
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=10.0))
# One cycle (linear warm-up over 30%, cosine annealing), see
# _base_/schedules/adamw_onecycle_cpu.py.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1 / 25,
        by_epoch=False,
        begin=0,
        end=int(0.3 * max_iters)),
    dict(
        type='CosineAnnealingLR',
        eta_min=2e-3 * 1e-4,
        by_epoch=False,
        begin=int(0.3 * max_iters),
        end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
