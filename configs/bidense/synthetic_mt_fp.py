# Full-precision twin of synthetic_mt_bidense.py (same architecture,
# real-valued convolutions).
_base_ = ['./synthetic_mt_bidense.py']
block = dict(conv_cfg=None)
model = dict(
    backbone=dict(
        conv_cfg=dict(
            _delete_=True,
            type='CFBConv2d',
            act_binarizer=None,
            weight_binarizer=None)),
    decoder=block,
    decode_heads=dict(seg=block, depth=block, normal=block, edge=block))
