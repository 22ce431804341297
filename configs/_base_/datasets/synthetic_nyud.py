# Procedural NYUD-v2 stand-in (NYUD_MT layout), generated with
#   python tools/dataset_converters/make_synthetic_nyud.py \
#       --out data/synthetic_nyud --num-train 800 --num-val 200 --size 240 320
# Tasks: semantic segmentation (40 NYU classes), depth, normals, boundaries.
dataset_type = 'NYUDMultiTaskDataset'
data_root = 'data/synthetic_nyud'
tasks = ('seg', 'depth', 'normal', 'edge')
img_scale = (320, 240)  # (w, h) of the generated scenes
crop_size = (240, 320)  # (h, w)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.75, 1.5),
        keep_ratio=True,
        resize_type='MultiTaskResize'),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size),
    dict(type='MultiTaskRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='gt_sets/train.txt',
        tasks=tasks,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='gt_sets/val.txt',
        tasks=tasks,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# Boundary matching (BSDS correspondPixels) costs ~0.1 s per threshold per
# 240x320 image on one core, so the stand-in sweeps 9 thresholds.
val_evaluator = dict(
    type='MultiTaskMetric',
    tasks=tasks,
    edge_max_dist=0.011,
    edge_thresholds=9,
    delta_m_baseline=None)
test_evaluator = val_evaluator
