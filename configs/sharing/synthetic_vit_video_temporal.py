# Temporal-sparsity training of the small-ViT sharing model (synthetic
# video stand-in), after step 3: each training batch holds consecutive
# frames of the training sequences (read in order); every frame t whose
# frame t - `temporal_distance` is in the batch forms a pair. The earlier
# frame runs without gradients, the later frame with the task losses and an
# L1 term on the difference of the sub-tasks' shared outputs between the
# two frames, at the layers that video mode shares with the previous frame
# (outside `video.cross_task_layers`). The base task stays frozen.
# Reference code (sarashoouri/EfficientMTL, NYU Seg Step2.py): L1 between
# the frame and a neighbour 1-2 frames away, 4e-9 per summed |delta|.
#   python tools/dataset_converters/make_synthetic_video.py \
#       --out data/synthetic_video --num-train 8 --num-val 4 \
#       --num-frames 24 --size 120 160
#   python tools/train.py configs/sharing/synthetic_vit_video_temporal.py
#   python tools/analysis/sharing_report.py video \
#       configs/sharing/synthetic_vit_video_temporal.py \
#       work_dirs/synthetic_vit_video_temporal \
#       --before configs/sharing/synthetic_vit_video_token.py \
#       work_dirs/synthetic_vit_step3
_base_ = ['./synthetic_vit_video_token.py']
model = dict(
    sharing=dict(temporal_l1_weight=4e-9, temporal_distance=1),
    init_from=dict(
        _delete_=True,
        previous_step=dict(
            checkpoint='work_dirs/synthetic_vit_step3',
            config='configs/sharing/synthetic_vit_step3.py')))
# frames in temporal order without random geometry or colour changes (the
# two frames of a pair must see the same augmentation: none here)
temporal_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiTaskResize', scale=(80, 60), keep_ratio=True),
    dict(type='LoadMultiTaskAnnotations'),
    dict(
        type='PackMultiTaskInputs',
        meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                   'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                   'reduce_zero_label', 'sample_id', 'tasks', 'sequence',
                   'frame_index')),
]
train_dataloader = dict(
    _delete_=True,
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    dataset=dict(
        type='VideoMultiTaskDataset',
        data_root='data/synthetic_video',
        ann_file='gt_sets/train.txt',
        tasks=('seg', 'depth', 'normal', 'edge'),
        pipeline=temporal_train_pipeline))
# CPU schedule: 100 iterations of 8 consecutive frames (7 pairs)
step_iters = 100
train_cfg = dict(max_iters=step_iters, val_interval=step_iters)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=1.0,
        begin=0,
        end=step_iters,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=step_iters))
