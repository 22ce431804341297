# Full-precision multi-task dense predictor (the Bi-MTDP teacher and
# baseline): ResNet-18 (V1c) -> shared FPN decoder (stride 4, 128 ch) ->
# light per-task heads (one 3x3 conv + a 1x1 prediction layer each).
# NYUD-v2 tasks: semseg (40 classes), depth, normals, boundaries.
# Decoder and head blocks are residual (bypass=True), the layout of the
# binary student (bimtdp_r18.py), so that teacher and student differ only in
# binarization.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='MultiTaskDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32)
decoder_channels = 128
head_channels = 64
head_common = dict(
    in_channels=decoder_channels,
    channels=head_channels,
    num_convs=1,
    bypass=True,
    norm_cfg=norm_cfg,
    align_corners=False)
model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decoder=dict(
        type='MultiTaskFPNDecoder',
        in_channels=[64, 128, 256, 512],
        in_index=(0, 1, 2, 3),
        channels=decoder_channels,
        bypass=True,
        norm_cfg=norm_cfg),
    decode_heads=dict(
        seg=dict(type='SegTaskHead', num_classes=40, **head_common),
        depth=dict(type='DepthTaskHead', max_depth=10.0, **head_common),
        normal=dict(type='NormalTaskHead', **head_common),
        edge=dict(type='EdgeTaskHead', pos_weight=0.95, **head_common)),
    # InvPT / ATRC balance for NYUD-v2 (normals 10, boundaries 50).
    task_weights=dict(seg=1.0, depth=1.0, normal=10.0, edge=50.0),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
