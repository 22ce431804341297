# Full-precision twin of dpt_bidense-vit-s_ade20k-512x512.py: the same graph
# (ViT-S/14 with LearnableBias + PReLU MLP and LayerScale; the DPT decoder
# with BN and CFB bypass around every conv) with real-valued linears,
# softmax attention and real-valued convolutions (PyTorch's initialisation).
# Differs only in the layer types; the reference's own FP baseline
# (dpt_fp32_0_ade20k.yaml) is a plain DINOv2 ViT-S + DPT.
_base_ = ['./dpt_bidense-vit-s_ade20k-512x512.py']
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
