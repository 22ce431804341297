# Bi-MTDP-C on PASCAL-Context: configs/bimtdp/pascal_r18.py
# with a binarized cross-talk pathway between the task heads
# (CrossTaskInteraction: gated messages from every task's features to every
# other task's, ReActConv with a real-valued bypass; our design, the paper
# gives no details: docs/bimtdp_crosstalk.md). The teacher and the FP
# initialisation come from its full-precision twin
# configs/mtdp/pascal_r18_fp_c.py (same layout, nn.Conv2d); the feature
# distillation terms (bottleneck, fused decoder map) are those of
# pascal_r18.py.
# Train the teacher first:
#   python tools/train.py configs/mtdp/pascal_r18_fp_c.py
# then:
#   python tools/train.py configs/bimtdp/pascal_r18_c.py
_base_ = ['./pascal_r18.py']
model = dict(
    cross_task=dict(
        type='CrossTaskInteraction',
        kernel_size=3,
        conv_cfg=dict(type='ReActConv'),
        norm_cfg={{_base_.norm_cfg}},
        bypass=True,
        scale_init=0.0))
distill_hook = dict(
    type='BiMTDPDistillHook',
    teacher_config='configs/mtdp/pascal_r18_fp_c.py',
    # a .pth file, or the teacher's work directory (latest checkpoint)
    teacher_checkpoint='work_dirs/pascal_r18_fp_c',
    warmup_iters={{_base_.distill_hook.warmup_iters}},
    stop_iter=None)
# The distillation hook stays first (tools set custom_hooks.0.*). The FP
# initialisation (keep_init as the model base) also loads the cross-task
# module from the teacher's checkpoint ('cross_task' in modules).
fp_init_hook = dict(
    type='FPInitHook',
    checkpoint=None,
    keep_init={{_base_.fp_init_hook.keep_init}},
    modules=('backbone', 'neck', 'decoder', 'decode_heads', 'cross_task'))
custom_hooks = [distill_hook, fp_init_hook]
