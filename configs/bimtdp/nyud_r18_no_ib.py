# Ablation of configs/bimtdp/nyud_r18.py without the information bottleneck
# (the bottleneck distillation term then reads the backbone's last stage).
_base_ = ['./nyud_r18.py']
model = dict(neck=None)
