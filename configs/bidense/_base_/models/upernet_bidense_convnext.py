# UPerNet on a BiDense ConvNeXt-T (Yin et al., 2024), trained from scratch.
# Every convolution but the full-precision stem (4x4/4 + BN) and the final
# 1x1 classifier (UPerHead's conv_seg, an nn.Conv2d) is a BiDenseConv:
#   y = BN(BinConv(DAB(x))) + CFB(P(x), C_out)
# BiDenseConv carries its own BN, so UPerHead's ConvModules get
# norm_cfg=None: with a norm_cfg, ConvModule would add a second norm after
# the bypass sum (docs/bidense.md, "No double normalisation"). For the same
# reason the backbone outputs get no extra norm (out_norm_cfg=None): each
# stage ends in a BiDenseConv whose BN is the last norm, as in the BiDense
# reference, which feeds the stage outputs to the decoder as they are.
# Binary layers see PReLU (not ReLU) outputs: the sign of a ReLU output is
# constant.
# Variants swap only `conv_cfg` (and the depth head's `upsample_cfg`), see
# docs/bidense.md.
norm_cfg = dict(type='BN', requires_grad=True)
conv_cfg = dict(type='BiDenseConv')
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
        type='UPerHead',
        in_channels=[96, 192, 384, 768],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=512,
        dropout_ratio=0.1,
        num_classes=150,
        conv_cfg=conv_cfg,
        norm_cfg=None,
        act_cfg=dict(type='PReLU'),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
