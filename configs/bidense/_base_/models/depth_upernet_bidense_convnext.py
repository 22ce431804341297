# Monocular depth with the BiDense ConvNeXt-T and a binary UPerNet decoder
# (mmseg's DepthEstimator + UPerDepthHead): the UPerNet features (stride 4)
# are up-sampled x2 by BiDense's binary up-sampling block
#   y = BN(BinConvT2x2/2(DAB(x))) + CFB(nearest_up(x), C_out)
# and a full-precision 1x1 conv predicts depth = 10 * sigmoid(.) metres.
# Loss: SILog, 10 * sqrt(mean(d^2) - 0.85 mean(d)^2), d = log pred - log gt.
# Depth maps are padded with 0 (invalid), not with 255.
_base_ = ['./upernet_bidense_convnext.py']
model = dict(
    type='DepthEstimator',
    data_preprocessor=dict(seg_pad_val=0),
    decode_head=dict(
        _delete_=True,
        type='UPerDepthHead',
        in_channels=[96, 192, 384, 768],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=512,
        dropout_ratio=0.0,
        max_depth=10.0,
        conv_cfg={{_base_.conv_cfg}},
        norm_cfg=None,
        act_cfg=dict(type='PReLU'),
        upsample_cfg=dict(type='BiDenseConvTranspose2d'),
        up_act_cfg=dict(type='PReLU'),
        align_corners=False,
        loss_decode=dict(type='MaskedSILogLoss', lambd=0.85, scale=10.0)))
