# NYUD-v2 multi-task (NYUD_MT archive of MTI-Net / ATRC / InvPT): 795 train,
# 654 val images of about 425x560; see docs/data.md for how to get it.
dataset_type = 'NYUDMultiTaskDataset'
data_root = 'data/NYUD_MT'
tasks = ('seg', 'depth', 'normal', 'edge')
img_scale = (560, 425)  # (w, h)
crop_size = (425, 560)  # (h, w)

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
# Evaluation at the original resolution (maps are never resized).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
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
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='gt_sets/val.txt',
        tasks=tasks,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# odsF at maxDist 0.011 of the diagonal. Periodic validation sweeps 19
# thresholds; the final test uses the BSDS benchmark's 99 (slow: ~0.3 s per
# threshold per image on one core).
val_evaluator = dict(
    type='MultiTaskMetric',
    tasks=tasks,
    edge_max_dist=0.011,
    edge_thresholds=19,
    delta_m_baseline=None)
test_evaluator = dict(
    type='MultiTaskMetric',
    tasks=tasks,
    edge_max_dist=0.011,
    edge_thresholds=99,
    delta_m_baseline=None)
