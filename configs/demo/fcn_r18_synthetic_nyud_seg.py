# Stock MMSegmentation FCN with a ResNet-18 (V1c) backbone, trained from
# scratch on the semantic-segmentation maps of the generated NYUD stand-in
# (tools/dataset_converters/make_synthetic_nyud.py). Everything here is plain
# MMSegmentation: mmseg's model base config, BaseSegDataset and pipeline.
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cpu_tiny.py',
]

# NYU-v2 40 classes; label 0 in the PNGs is void (reduce_zero_label -> 255).
nyu40_classes = (
    'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door',
    'window', 'bookshelf', 'picture', 'counter', 'blinds', 'desk', 'shelves',
    'curtain', 'dresser', 'pillow', 'mirror', 'floor mat', 'clothes',
    'ceiling', 'books', 'refridgerator', 'television', 'paper', 'towel',
    'shower curtain', 'box', 'whiteboard', 'person', 'night stand', 'toilet',
    'sink', 'lamp', 'bathtub', 'bag', 'otherstructure', 'otherfurniture',
    'otherprop')
num_classes = len(nyu40_classes)
crop_size = (120, 160)
data_root = 'data/synthetic_nyud'

norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained=None,
    backbone=dict(depth=18, norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=512, channels=128, num_classes=num_classes,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=256, channels=64, num_classes=num_classes,
        norm_cfg=norm_cfg))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='Resize', scale=(160, 120), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(160, 120), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
dataset_common = dict(
    type='BaseSegDataset',
    data_root=data_root,
    metainfo=dict(classes=nyu40_classes),
    img_suffix='.jpg',
    seg_map_suffix='.png',
    reduce_zero_label=True)
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        **dataset_common,
        ann_file='gt_sets/train.txt',
        data_prefix=dict(img_path='images', seg_map_path='segmentation'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **dataset_common,
        ann_file='gt_sets/val.txt',
        data_prefix=dict(img_path='images', seg_map_path='segmentation'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
randomness = dict(seed=0)
