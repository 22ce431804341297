# BiDense DPT on a binarized ViT-S/14 (the reference code's
# models/dpt/bidense_dpt.py with models/dpt/backbones/bidense_vit.py):
# BinaryLinear (LearnableBias + ApproxSign, mean-centred XNOR weights,
# normal(1e-3) init, no bypass) in every attention and MLP linear, binary
# q, k, v (LearnableBias + ApproxSign), softmax-aware 0/1 attention map
# (threshold 0.25 of the row maximum), MLP LearnableBias + PReLU; FP patch
# embedding, LayerNorms and LayerScale. Decoder: the reference's binary DPT
# (BiDenseDPTHead), FP 1x1 classifier. See docs/bidense.md, "DPT variant".
norm_cfg = dict(type='BN', requires_grad=True)
conv_cfg = dict(type='BiDenseConv', pad_value=0.0, weight_init_std=1e-3)
binary_linear = dict(type='BinaryLinear', with_bypass=False)
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
        type='BiDenseViT',
        arch='small',
        patch_size=14,
        img_size=518,
        out_indices=(8, 9, 10, 11),
        attn_cfg=dict(
            linear_cfg=binary_linear,
            qkv_binarizer=dict(type='ApproxSign'),
            qkv_act_bias=True,
            threshold=0.25),
        mlp_linear_cfg=binary_linear,
        mlp_act_cfg=[dict(type='LearnableBias'), dict(type='PReLU')],
        layer_scale_init=1.0),
    decode_head=dict(
        type='BiDenseDPTHead',
        in_channels=384,
        channels=128,
        post_process_channels=(48, 96, 192, 384),
        features=256,
        patch_size=14,
        num_classes=150,
        conv_cfg=conv_cfg,
        upsample_cfg=dict(type='BiDenseConvTranspose2d', weight_init_std=1e-3),
        unit_norm_cfg=norm_cfg,
        rcu_act_cfg=[dict(type='LearnableBias'), dict(type='PReLU')],
        head_act_cfg=dict(type='ReLU'),
        dropout_ratio=0.0,
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
