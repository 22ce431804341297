# Monocular depth with the BiDense ConvNeXt-T and the reference's binary
# UPerNet (mmseg's DepthEstimator + BiDenseUPerDepthHead), as the BiDense
# reference's depth model (configs/depth/upernet_bidense_nyu.yaml,
# BiDenseUperNetDepthModel): the segmentation decoder up to the input
# resolution, a 3x3 BiDense conv to 32 channels, ReLU, and a full-precision
# 1x1 conv predicting depth = max_depth * sigmoid(.) metres.
# Loss: SILog, 10 * sqrt(mean(d^2) - 0.85 mean(d)^2), d = log pred - log gt.
# Depth maps are padded with 0 (invalid), not with 255.
_base_ = ['./upernet_bidense_convnext.py']
model = dict(
    type='DepthEstimator',
    data_preprocessor=dict(seg_pad_val=0),
    decode_head=dict(
        _delete_=True,
        type='BiDenseUPerDepthHead',
        in_channels=[96, 192, 384, 768],
        in_index=[0, 1, 2, 3],
        channels=96,
        pool_scales=(1, 2, 4, 6),
        psp_channels=768,
        fuse_channels=128,
        head_channels=32,
        max_depth=10.0,
        conv_cfg={{_base_.conv_cfg}},
        unit_norm_cfg={{_base_.norm_cfg}},
        act_cfg=dict(type='PReLU'),
        head_act_cfg=dict(type='ReLU'),
        align_corners=True,
        loss_decode=dict(type='MaskedSILogLoss', lambd=0.85, scale=10.0)))
