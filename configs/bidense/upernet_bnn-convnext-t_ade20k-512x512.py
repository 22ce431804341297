# BNN baseline (Hubara et al.): the same architecture, sign activations with
# the clipped STE and sign weights (no scales).
# Differs from upernet_bidense-convnext-t_ade20k-512x512.py only in the convolution type.
_base_ = ['./upernet_bidense-convnext-t_ade20k-512x512.py']
conv_cfg = dict(
    _delete_=True,
    type='CFBConv2d',
    act_binarizer=dict(type='SignSTE'),
    weight_binarizer=dict(type='SignWeight'))
model = dict(backbone=dict(conv_cfg=conv_cfg), decode_head=dict(conv_cfg=conv_cfg))
