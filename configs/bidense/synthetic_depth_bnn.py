# BNN baseline (Hubara et al.): the same architecture, sign activations with
# the clipped STE and sign weights (no scales); zero padding and
# normal(std=1e-3) weights as the BiDense reference's binary layers.
# Differs from synthetic_depth_bidense.py only in the convolution type.
_base_ = ['./synthetic_depth_bidense.py']
conv_cfg = dict(
    _delete_=True,
    type='CFBConv2d',
    act_binarizer=dict(type='SignSTE'),
    weight_binarizer=dict(type='SignWeight'),
    pad_value=0.0,
    weight_init_std=1e-3)
model = dict(backbone=dict(conv_cfg=conv_cfg), decode_head=dict(conv_cfg=conv_cfg))
