# CPU twin of configs/bimtdp/nyud_r18.py on the procedural NYUD stand-in
# (binary ResNet-18 and decoder, IB neck on every backbone level,
# distillation), with the CPU-sized decoder of bimtdp_r18_cpu.py, at
# 96x128. The student starts from the FP teacher's weights (FPInitHook,
# the BNN recipe; from scratch: synthetic_r18_no_fp_init.py) and is
# distilled from it on features (prediction terms as well:
# synthetic_r18_feat_pred_kd.py). The IB's provisional beta was measured
# on this config with from-scratch weights (see
# configs/_base_/models/bimtdp_r18.py).
# Train the teacher first (see configs/mtdp/synthetic_r18_fp.py):
#   python tools/train.py configs/mtdp/synthetic_r18_fp.py
# then:
#   python tools/train.py configs/bimtdp/synthetic_r18.py
_base_ = [
    '../_base_/models/bimtdp_r18_cpu.py',
    '../_base_/datasets/synthetic_nyud.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_mt_cpu.py'
]
distill_hook = dict(
    type='BiMTDPDistillHook',
    teacher_config='configs/mtdp/synthetic_r18_fp.py',
    # a .pth file, or the teacher's work directory (latest checkpoint)
    teacher_checkpoint='work_dirs/synthetic_r18_fp',
    warmup_iters=50,
    stop_iter=None)
# the distillation hook stays first (tools set custom_hooks.0.*); the FP
# initialisation reads the same teacher checkpoint (checkpoint=None)
custom_hooks = [distill_hook, {{_base_.fp_init_hook}}]
crop_size = (96, 128)  # (h, w)
img_scale = (128, 96)  # (w, h)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(1.0, 1.25),
        keep_ratio=True,
        resize_type='MultiTaskResize'),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size),
    dict(type='MultiTaskRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackMultiTaskInputs'),
]
# The network sees 96x128 images; the maps stay at the generated size and
# the predictions are resized back to it.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiTaskResize', scale=img_scale, keep_ratio=True),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
visualizer = dict(
    type='MultiTaskVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
randomness = dict(seed=0)
