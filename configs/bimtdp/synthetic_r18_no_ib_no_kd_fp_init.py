# Plain binary multi-task model (ReActNet convolutions, no IB, no KD) with
# the BNN training recipe: its weights start from the FP multi-task model
# configs/mtdp/synthetic_r18_fp.py (FPInitHook). The fair binary baseline
# for Bi-MTDP, which starts from the same checkpoint, and the "without IB
# and KD" ablation of synthetic_r18.py; its from-scratch twin is
# synthetic_r18_no_ib_no_kd.py. Train the FP model first:
#   python tools/train.py configs/mtdp/synthetic_r18_fp.py
_base_ = ['./synthetic_r18_no_ib_no_kd.py']
custom_hooks = [
    dict(
        type='FPInitHook',
        # a .pth file, or the FP model's work directory (latest checkpoint)
        checkpoint='work_dirs/synthetic_r18_fp',
        keep_init={{_base_.fp_init_hook.keep_init}})
]
