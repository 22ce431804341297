# CPU twin on the synthetic stand-in.
# Plain binary multi-task baseline: configs/bimtdp/synthetic_r18.py without the
# information bottleneck and without distillation.
_base_ = ['./synthetic_r18.py']
model = dict(neck=None, distill_loss=None)
custom_hooks = []
