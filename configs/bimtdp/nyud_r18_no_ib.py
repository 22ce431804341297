# Ablation of configs/bimtdp/nyud_r18.py without the information bottleneck
# (the bottleneck distillation term then reads the backbone's last stage).
# Like nyud_r18.py, it starts from the FP teacher's checkpoint (FPInitHook)
# and distils features only (prediction terms: nyud_r18_feat_pred_kd.py).
_base_ = ['./nyud_r18.py']
model = dict(neck=None)
