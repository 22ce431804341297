# Bi-MTDP variant: binary backbone only. The IB neck, the decoder and the
# task heads are full precision (as in the teacher); distillation as in
# configs/bimtdp/nyud_r18.py.
# Like nyud_r18.py, it starts from the FP teacher's checkpoint (FPInitHook)
# and distils features only (prediction terms: nyud_r18_feat_pred_kd.py).
_base_ = ['./nyud_r18.py']
fp_block = dict(conv_cfg=None, act_cfg=dict(type='ReLU'), bypass=True)
model = dict(
    neck=dict(conv_cfg=None),
    decoder=fp_block,
    decode_heads=dict(
        seg=fp_block, depth=fp_block, normal=fp_block, edge=fp_block))
