# Plain binary multi-task baseline: configs/bimtdp/nyud_r18.py without the
# information bottleneck, without distillation and without the FP
# initialisation (custom_hooks is empty: ImageNet latent weights in the
# backbone through model.pretrained, the rest from scratch). Its twin with
# the BNN recipe (weights from the FP model) is
# nyud_r18_no_ib_no_kd_fp_init.py. The binary_*.py baselines inherit this
# config and its initialisation.
_base_ = ['./nyud_r18.py']
model = dict(neck=None, distill_loss=None)
custom_hooks = []
