# CPU twin on the synthetic stand-in.
# Ablation of configs/bimtdp/synthetic_r18.py without distillation (no teacher
# needed): binary backbone and decoder with the IB neck.
_base_ = ['./synthetic_r18.py']
model = dict(distill_loss=None)
custom_hooks = []
