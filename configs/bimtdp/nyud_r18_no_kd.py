# Ablation of configs/bimtdp/nyud_r18.py without distillation (no teacher
# needed): binary backbone and decoder with the IB neck.
_base_ = ['./nyud_r18.py']
model = dict(distill_loss=None)
custom_hooks = []
