# ReActNet baseline (Liu et al.): the same architecture, RSign activations
# (learnable per-channel threshold) and XNOR weights.
# Differs from upernet_bidense-convnext-t_ade20k-512x512.py only in the convolution type.
_base_ = ['./upernet_bidense-convnext-t_ade20k-512x512.py']
conv_cfg = dict(
    _delete_=True,
    type='CFBConv2d',
    act_binarizer=dict(type='RSign'),
    weight_binarizer=dict(type='XNORWeight'))
model = dict(backbone=dict(conv_cfg=conv_cfg), decode_head=dict(conv_cfg=conv_cfg))
