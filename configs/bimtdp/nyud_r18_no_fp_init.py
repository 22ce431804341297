# Ablation of configs/bimtdp/nyud_r18.py without the FP initialisation:
# the student does not start from the teacher's checkpoint (FPInitHook
# removed) but from its own initialisation (ImageNet latent weights in the
# backbone, model.pretrained; random decoder and heads). IB and feature
# distillation as nyud_r18.py.
_base_ = ['./nyud_r18.py']
custom_hooks = [{{_base_.distill_hook}}]
