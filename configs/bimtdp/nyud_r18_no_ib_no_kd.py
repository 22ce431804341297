# Plain binary multi-task baseline: configs/bimtdp/nyud_r18.py without the
# information bottleneck and without distillation.
_base_ = ['./nyud_r18.py']
model = dict(neck=None, distill_loss=None)
custom_hooks = []
