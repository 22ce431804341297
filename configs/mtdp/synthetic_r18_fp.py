# CPU twin of configs/mtdp/nyud_r18_fp.py on the procedural NYUD stand-in:
# the same ResNet-18 with a narrower decoder (mtdp_r18_cpu.py), trained
# from scratch at 96x128 with a CPU-sized schedule.
# Generate the data first:
#   python tools/dataset_converters/make_synthetic_nyud.py \
#       --out data/synthetic_nyud --num-train 600 --num-val 60 --size 96 128
# then train (writes work_dirs/synthetic_r18_fp/, the teacher of
# configs/bimtdp/synthetic_r18.py):
#   python tools/train.py configs/mtdp/synthetic_r18_fp.py
_base_ = [
    '../_base_/models/mtdp_r18_cpu.py',
    '../_base_/datasets/synthetic_nyud.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_mt_cpu.py'
]
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
