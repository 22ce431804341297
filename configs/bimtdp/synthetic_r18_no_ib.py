# CPU twin on the synthetic stand-in.
# Ablation of configs/bimtdp/synthetic_r18.py without the information bottleneck
# (the bottleneck distillation term then reads the backbone's last stage).
# Like synthetic_r18.py, it starts from the FP teacher's checkpoint (FPInitHook)
# and distils features only (prediction terms: synthetic_r18_feat_pred_kd.py).
_base_ = ['./synthetic_r18.py']
model = dict(neck=None)
