# BiDense monocular depth on NYU-v2 (MMSegmentation's NYUDataset, 480x480
# crops, DepthMetric with the NYU crop): binary ConvNeXt-T, binary UPerNet
# decoder, BiDense's binary up-sampling block, full-precision stem and
# prediction conv, SILog loss; AdamW + one-cycle, 50 epochs, from scratch.
# (The public BiDense code's NYUv2 depth model is that UPerNet too,
# configs/depth/upernet_bidense_nyu.yaml; its DPT is for segmentation.)
# Batch: 4 GPUs x 2.
#   python tools/train.py configs/bidense/depth_upernet_bidense-convnext-t_nyu-480x480.py
_base_ = [
    './_base_/models/depth_upernet_bidense_convnext.py',
    './_base_/datasets/nyu_depth.py', '../_base_/default_runtime.py',
    './_base_/schedules/adamw_onecycle_50e.py'
]
crop_size = (480, 480)
model = dict(
    data_preprocessor=dict(size=crop_size, test_cfg=dict(size_divisor=32)))
train_dataloader = dict(batch_size=2)
