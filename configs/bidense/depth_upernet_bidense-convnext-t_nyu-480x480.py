# BiDense monocular depth on NYU-v2, paper-faithful (the reference code's
# configs/depth/upernet_bidense_nyu.yaml: its depth model is the UPerNet,
# not a DPT): binary ConvNeXt-T, the reference's binary UPerNet decoder and
# depth head (BiDenseUPerDepthHead), full-precision stem and prediction
# conv, SILog loss; AdamW (peak lr 6e-5, weight decay 0.01) + one-cycle per
# epoch, 50 epochs, from scratch. MMSegmentation's NYUDataset with 480x480
# crops and DepthMetric with the NYU crop (the reference: 416x544 crops,
# random rotation of 2.5 degrees, Eigen crop).
# Batch 32 as the reference: 4 GPUs x 4 images x 2 accumulated.
#   python tools/train.py configs/bidense/depth_upernet_bidense-convnext-t_nyu-480x480.py
_base_ = [
    './_base_/models/depth_upernet_bidense_convnext.py',
    './_base_/datasets/nyu_depth.py', '../_base_/default_runtime.py',
    './_base_/schedules/adamw_onecycle_50e.py'
]
crop_size = (480, 480)
model = dict(
    data_preprocessor=dict(size=crop_size, test_cfg=dict(size_divisor=32)))
train_dataloader = dict(batch_size=4)
optim_wrapper = dict(
    accumulative_counts=2, optimizer=dict(lr=6e-5 / 25))  # peak 6e-5
