# Ablation of configs/bimtdp/synthetic_r18.py without the FP initialisation:
# the student does not start from the teacher's checkpoint (FPInitHook
# removed) but from its own initialisation (random: trained from
# scratch). IB and feature distillation as synthetic_r18.py.
_base_ = ['./synthetic_r18.py']
custom_hooks = [{{_base_.distill_hook}}]
