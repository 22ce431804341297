# Full-precision twin of mt_bidense-convnext-t_nyud.py: the same
# architecture (BN and CFB bypass around every conv, PReLU) with
# real-valued convolutions.
_base_ = ['./mt_bidense-convnext-t_nyud.py']
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
