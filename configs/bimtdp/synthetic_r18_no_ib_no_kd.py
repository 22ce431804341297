# CPU twin on the synthetic stand-in.
# Plain binary multi-task baseline: configs/bimtdp/synthetic_r18.py without
# the information bottleneck, without distillation and without the FP
# initialisation (custom_hooks is empty: trained from scratch). Its twin
# with the BNN recipe (weights from the FP model) is
# synthetic_r18_no_ib_no_kd_fp_init.py. The binary_*.py baselines inherit
# this config and its initialisation.
_base_ = ['./synthetic_r18.py']
model = dict(neck=None, distill_loss=None)
custom_hooks = []
