# CPU twin on the synthetic stand-in.
# Ablation of configs/bimtdp/synthetic_r18.py without the information bottleneck
# (the bottleneck distillation term then reads the backbone's last stage).
_base_ = ['./synthetic_r18.py']
model = dict(neck=None)
