# Ablation of configs/bimtdp/nyud_r18.py without distillation: binary
# backbone and decoder with the IB neck, FP-initialised like nyud_r18.py
# (FPInitHook) from the FP multi-task model's checkpoint (the teacher of
# nyud_r18.py, which is not run here).
_base_ = ['./nyud_r18.py']
model = dict(distill_loss=None)
custom_hooks = [
    dict(
        type='FPInitHook',
        # a .pth file, or the FP model's work directory (latest checkpoint)
        checkpoint='work_dirs/nyud_r18_fp',
        keep_init={{_base_.fp_init_hook.keep_init}})
]
