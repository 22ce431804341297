# Full-precision twin of synthetic_seg_dpt_bidense.py (same graph, real
# layers; see dpt_fp-vit-s_ade20k-512x512.py).
_base_ = ['./synthetic_seg_dpt_bidense.py']
conv_cfg = dict(
    _delete_=True, type='CFBConv2d', act_binarizer=None, weight_binarizer=None)
model = dict(
    backbone=dict(
        attn_cfg=dict(
            _delete_=True,
            linear_cfg=None,
            qkv_binarizer=None,
            qkv_act_bias=False,
            threshold=None),
        mlp_linear_cfg=None),
    decode_head=dict(conv_cfg=conv_cfg, upsample_cfg=None))
