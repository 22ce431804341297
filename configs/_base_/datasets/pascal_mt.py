# PASCAL-Context multi-task (the ASTMT / MTI-Net / ATRC archive): 4,998 train
# and 5,105 val images; see docs/data.md for how to get it.
dataset_type = 'PascalContextMultiTaskDataset'
data_root = 'data/PASCAL_MT'
tasks = ('seg', 'parts', 'saliency', 'normal', 'edge')
img_scale = (512, 512)  # (w, h)
crop_size = (512, 512)  # (h, w)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.75, 1.25),
        keep_ratio=True,
        resize_type='MultiTaskResize'),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size),
    dict(type='MultiTaskRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackMultiTaskInputs'),
]
# The image is resized for the network; the maps stay at the original size
# and the segmentor resizes its predictions back to it.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiTaskResize', scale=img_scale, keep_ratio=True),
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
        ann_file='ImageSets/Context/train.txt',
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
        ann_file='ImageSets/Context/val.txt',
        tasks=tasks,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# odsF at maxDist 0.0075 of the diagonal; 19 thresholds during training,
# the BSDS benchmark's 99 for the final test.
val_evaluator = dict(
    type='MultiTaskMetric',
    tasks=tasks,
    edge_max_dist=0.0075,
    edge_thresholds=19,
    delta_m_baseline=None)
test_evaluator = dict(
    type='MultiTaskMetric',
    tasks=tasks,
    edge_max_dist=0.0075,
    edge_thresholds=99,
    delta_m_baseline=None)
