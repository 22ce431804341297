# Semantic segmentation (40 NYU classes) of the procedural NYUD stand-in
# (tools/dataset_converters/make_synthetic_nyud.py) read by MMSegmentation's
# own BaseSegDataset: images/<id>.jpg, segmentation/<id>.png (0 = void ->
# ignored by reduce_zero_label), gt_sets/{train,val}.txt.
# The network sees 128x160 crops (every stage size divides: 32x40 ... 4x5);
# testing resizes to 120x160 and pads to 128x160 (data preprocessor), the
# prediction is resized back to the annotation.
dataset_type = 'BaseSegDataset'
data_root = 'data/synthetic_nyud'
nyu40_classes = (
    'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door',
    'window', 'bookshelf', 'picture', 'counter', 'blinds', 'desk', 'shelves',
    'curtain', 'dresser', 'pillow', 'mirror', 'floor mat', 'clothes',
    'ceiling', 'books', 'refridgerator', 'television', 'paper', 'towel',
    'shower curtain', 'box', 'whiteboard', 'person', 'night stand', 'toilet',
    'sink', 'lamp', 'bathtub', 'bag', 'otherstructure', 'otherfurniture',
    'otherprop')
crop_size = (128, 160)  # (h, w)
img_scale = (160, 120)  # (w, h)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(1.0, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
dataset_common = dict(
    type=dataset_type,
    data_root=data_root,
    metainfo=dict(classes=nyu40_classes),
    img_suffix='.jpg',
    seg_map_suffix='.png',
    reduce_zero_label=True,
    data_prefix=dict(img_path='images', seg_map_path='segmentation'))
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        **dataset_common,
        ann_file='gt_sets/train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **dataset_common,
        ann_file='gt_sets/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
