# Monocular depth of the procedural NYUD stand-in. mmseg's NYUDataset lists
# every image of a folder and has no split file, so the stand-in (one
# images/ folder, gt_sets/{train,val}.txt) is read with mmbin's
# NYUDMultiTaskDataset restricted to the depth task: depth/<id>.npy in
# metres, 0 = invalid. Evaluation is MMSegmentation's DepthMetric.
# Sizes as in synthetic_nyud_seg.py (128x160 crops, 120x160 test padded).
dataset_type = 'NYUDMultiTaskDataset'
data_root = 'data/synthetic_nyud'
tasks = ('depth', )
crop_size = (128, 160)  # (h, w)
img_scale = (160, 120)  # (w, h)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(1.0, 1.5),
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
    batch_size=4,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='gt_sets/train.txt',
        tasks=tasks,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='gt_sets/val.txt',
        tasks=tasks,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='DepthMetric', min_depth_eval=1e-3, max_depth_eval=10.0)
test_evaluator = val_evaluator
