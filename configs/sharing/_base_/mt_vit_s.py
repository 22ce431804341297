# Full-precision multi-task model on a ViT-S/16 encoder (mmseg's
# VisionTransformer, 384 wide, 12 layers, 6 heads): four encoder layers ->
# MultiLevelNeck (strides 4, 8, 16, 32 from the stride-16 tokens) -> the
# shared FPN decoder of the multi-task baselines -> light per-task heads.
# NYUD-v2 tasks: semseg (40 classes), depth, normals, boundaries.
# Load ImageNet ViT-S/16 weights with model.pretrained (converted with
# mmseg's tools/model_converters/vit2mmseg.py).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='MultiTaskDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32)
embed_dims = 384
neck_channels = 128
decoder_channels = 128
head_channels = 64
head_common = dict(
    in_channels=decoder_channels,
    channels=head_channels,
    num_convs=1,
    norm_cfg=norm_cfg,
    align_corners=False)
model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='VisionTransformer',
        img_size=(448, 576),
        patch_size=16,
        in_channels=3,
        embed_dims=embed_dims,
        num_layers=12,
        num_heads=6,
        mlp_ratio=4,
        out_indices=(2, 5, 8, 11),
        qkv_bias=True,
        drop_rate=0.,
        attn_drop_rate=0.,
        drop_path_rate=0.,
        with_cls_token=True,
        output_cls_token=False,
        norm_cfg=dict(type='LN', eps=1e-6),
        act_cfg=dict(type='GELU'),
        patch_norm=False,
        final_norm=True,
        interpolate_mode='bicubic'),
    neck=dict(
        type='MultiLevelNeck',
        in_channels=[embed_dims] * 4,
        out_channels=neck_channels,
        scales=[4, 2, 1, 0.5]),
    decoder=dict(
        type='MultiTaskFPNDecoder',
        in_channels=[neck_channels] * 4,
        in_index=(0, 1, 2, 3),
        channels=decoder_channels,
        norm_cfg=norm_cfg),
    decode_heads=dict(
        seg=dict(type='SegTaskHead', num_classes=40, **head_common),
        depth=dict(type='DepthTaskHead', max_depth=10.0, **head_common),
        normal=dict(type='NormalTaskHead', **head_common),
        edge=dict(type='EdgeTaskHead', pos_weight=0.95, **head_common)),
    task_weights=dict(seg=1.0, depth=1.0, normal=10.0, edge=50.0),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
