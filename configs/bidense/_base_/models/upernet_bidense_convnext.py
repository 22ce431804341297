# UPerNet on a BiDense ConvNeXt-T (Yin et al., 2024), trained from scratch,
# as the BiDense reference code builds it (models/upernet/
# bidense_upernet.py, binary/bidense.py; docs/bidense.md lists every point).
# Every convolution but the full-precision stem (4x4/4 + BN) and the final
# 1x1 classifier is a BiDenseConv:
#   y = BN(BinConv(DAB(x))) + CFB(P(x), C_out)
# Paper-faithful form (the reference's): DAB outputs alpha * sign(s) are
# zero-padded (pad_value=0.0), binary weights start from normal(std=1e-3).
# The deployable twins (*bidense-deploy*) pad the signs with +1 and move
# DAB's scale after the convolution.
# Decoder: BiDenseUPerHead, the reference's UPerNet (PPM bins 1, 2, 4, 6 with
# 768 output channels, FPN width 96 = the first backbone level, one shared
# smooth conv, LearnableBias + per-channel PReLU, projection to 128 channels,
# bilinear x4 to the input resolution, a 3x3 BiDense conv + ReLU and the FP
# 1x1 classifier; align_corners=True as the reference). Every BiDenseConv
# brings its own BN, so nothing adds a second norm (docs/bidense.md, "No
# double normalisation"); the backbone outputs go to the decoder as they
# are (out_norm_cfg=None).
# Variants swap only `conv_cfg`, see docs/bidense.md.
norm_cfg = dict(type='BN', requires_grad=True)
conv_cfg = dict(type='BiDenseConv', pad_value=0.0, weight_init_std=1e-3)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='BiDenseConvNeXt',
        arch='tiny',
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg,
        out_norm_cfg=None,
        act_cfg=dict(type='PReLU'),
        out_indices=(0, 1, 2, 3)),
    decode_head=dict(
        type='BiDenseUPerHead',
        in_channels=[96, 192, 384, 768],
        in_index=[0, 1, 2, 3],
        channels=96,
        pool_scales=(1, 2, 4, 6),
        psp_channels=768,
        fuse_channels=128,
        head_channels=128,
        num_classes=150,
        conv_cfg=conv_cfg,
        unit_norm_cfg=norm_cfg,
        act_cfg=dict(type='PReLU'),
        head_act_cfg=dict(type='ReLU'),
        align_corners=True,
        # mean over the labelled pixels, as the reference's
        # CrossEntropyLoss with weight 0 on its extra 'other' class
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
