# BiDense variant of the multi-task dense predictor on NYUD-v2 (semseg,
# depth, normals, boundaries): helper model MultiTaskEncoderDecoder with
# the binary BiDenseConvNeXt-T body, and BiDense convolutions in the shared
# FPN decoder and the task heads; trained from scratch (no teacher, no IB
# neck) with AdamW + one-cycle.
#
# No double normalisation: mmbin's BypassConvModule already computes
# act(norm(conv(x)) + CFB(x)), so its conv is the bare DAB/XNOR convolution
# (BiDenseConv with norm_cfg=None, with_bypass=False) and the module adds the
# BN and the CFB bypass: exactly BiDense's BN(BinConv(DAB(x))) + CFB(x).
# The backbone outputs get no extra norm (out_norm_cfg=None): each stage
# already ends in a BiDenseConv's BN.
# The 1x1 laterals of the decoder (no bypass there), the stem and the 1x1
# prediction layers stay full precision.
#   python tools/train.py configs/bidense/mt_bidense-convnext-t_nyud.py
# Full-precision twin: mt_fp-convnext-t_nyud.py.
_base_ = ['../mtdp/nyud_r18_fp.py']
norm_cfg = dict(type='BN', requires_grad=True)
backbone_conv = dict(type='BiDenseConv')
block_conv = dict(type='BiDenseConv', norm_cfg=None, with_bypass=False)
block = dict(conv_cfg=block_conv, act_cfg=dict(type='PReLU'), bypass=True)
model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='BiDenseConvNeXt',
        arch='tiny',
        conv_cfg=backbone_conv,
        norm_cfg=norm_cfg,
        out_norm_cfg=None,  # stages end in a BN already
        out_indices=(0, 1, 2, 3)),
    decoder=dict(in_channels=[96, 192, 384, 768], **block),
    decode_heads=dict(seg=block, depth=block, normal=block, edge=block))
max_iters = 40000
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01),
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
        eta_min=1e-3 * 1e-4,
        by_epoch=False,
        begin=int(0.3 * max_iters),
        end=max_iters)
]
