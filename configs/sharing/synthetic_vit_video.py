# Video mode of the computation-sharing model (small ViT, synthetic
# stand-in): frames of generated sequences in temporal order; keyframes
# every `keyframe_interval` frames run the base task in full, other frames
# reuse the previous frame's activations plus thresholded temporal deltas
# (sub-task layers in the first `cross_task_layers` fraction borrow the
# base task's current activations, the later ones their own previous
# frame's). Generate the sequences, then test the step-3 model:
#   python tools/dataset_converters/make_synthetic_video.py \
#       --out data/synthetic_video --num-train 0 --num-val 4 \
#       --num-frames 24 --size 120 160
#   python tools/test.py configs/sharing/synthetic_vit_video.py \
#       work_dirs/synthetic_vit_step3/iter_200.pth
# Per-frame effective MACs and accuracy drift:
#   python tools/analysis/sharing_report.py video \
#       configs/sharing/synthetic_vit_video.py \
#       work_dirs/synthetic_vit_step3/iter_200.pth
_base_ = ['./synthetic_vit_step3.py']
model = dict(
    # tokens unchanged since the previous frame are not recomputed (exact;
    # with element thresholds whole tokens rarely stay unchanged: see
    # synthetic_vit_video_token.py)
    sharing=dict(skip_unchanged=True),
    video=dict(
        keyframe_interval=8, temporal_threshold=0.05, cross_task_layers=0.5))
video_root = 'data/synthetic_video'
video_pipeline = [
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
test_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='VideoMultiTaskDataset',
        data_root=video_root,
        ann_file='gt_sets/val.txt',
        tasks=('seg', 'depth', 'normal', 'edge'),
        pipeline=video_pipeline))
val_dataloader = test_dataloader
