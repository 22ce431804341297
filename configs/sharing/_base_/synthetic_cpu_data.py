# Data and schedule of the CPU runs of the computation-sharing configs on
# the procedural NYUD stand-in: scenes generated at 120x160 with
#   python tools/dataset_converters/make_synthetic_nyud.py \
#       --out data/synthetic_nyud_small --num-train 400 --num-val 50 \
#       --size 120 160
# seen by the network at 60x80 (the maps stay at 120x160; predictions are
# resized back to them). Every step of the method uses the same data, so
# the step-1 baselines and the sharing model are evaluated alike.
_base_ = ['../../_base_/datasets/synthetic_nyud.py']
data_root = 'data/synthetic_nyud_small'
crop_size = (60, 80)  # (h, w)
img_scale = (80, 60)  # (w, h)
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
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
