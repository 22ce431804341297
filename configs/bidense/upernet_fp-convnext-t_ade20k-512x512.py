# Full-precision twin: the same architecture (BN and CFB bypass around every
# conv, PReLU), real-valued convolutions with PyTorch's initialisation.
# Differs from upernet_bidense-convnext-t_ade20k-512x512.py only in the convolution type.
_base_ = ['./upernet_bidense-convnext-t_ade20k-512x512.py']
conv_cfg = dict(
    _delete_=True, type='CFBConv2d', act_binarizer=None, weight_binarizer=None)
model = dict(backbone=dict(conv_cfg=conv_cfg), decode_head=dict(conv_cfg=conv_cfg))
