# CPU twin on the synthetic stand-in.
# Binarizer ablation of configs/bimtdp/synthetic_r18.py: every binary conv is a
# XNORConv instead of ReActConv, with PReLU after the residual sums.
# Like synthetic_r18.py, it starts from the FP teacher's checkpoint (FPInitHook)
# and distils features only (prediction terms: synthetic_r18_feat_pred_kd.py).
_base_ = ['./synthetic_r18.py']
binary_conv = dict(type='XNORConv')
binary_block = dict(conv_cfg=binary_conv, act_cfg=dict(type='PReLU'))
model = dict(
    backbone=dict(conv_cfg=binary_conv, act_cfg=dict(type='PReLU')),
    neck=dict(conv_cfg=binary_conv),
    decoder=binary_block,
    decode_heads=dict(
        seg=binary_block,
        depth=binary_block,
        normal=binary_block,
        edge=binary_block))
