# Full-precision twin: the same architecture (BN and CFB bypass around every
# conv, PReLU), real-valued convolutions with PyTorch's initialisation.
# Differs from synthetic_seg_bidense.py only in the convolution type.
_base_ = ['./synthetic_seg_bidense.py']
conv_cfg = dict(
    _delete_=True, type='CFBConv2d', act_binarizer=None, weight_binarizer=None)
model = dict(backbone=dict(conv_cfg=conv_cfg), decode_head=dict(conv_cfg=conv_cfg))
