# NYU-v2 depth with MMSegmentation's NYUDataset (layout of
# mmseg::_base_/datasets/nyu.py: images/{train,test}/*.jpg,
# annotations/{train,test}/*.png in millimetres). As mmseg's base, without
# its Albu photometric step (albumentations is not a dependency of mmbin):
# PhotoMetricDistortion instead. Evaluation: DepthMetric with the NYU crop.
_base_ = ['mmseg::_base_/datasets/nyu.py']
crop_size = (480, 480)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', depth_rescale_factor=1e-3),
    dict(type='RandomDepthMix', prob=0.25),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PhotoMetricDistortion'),
    dict(
        type='PackSegInputs',
        meta_keys=('img_path', 'depth_map_path', 'ori_shape', 'img_shape',
                   'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                   'category_id')),
]
train_dataloader = dict(
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
