# BiDense (Yin et al., 2024) semantic segmentation, paper-faithful (the
# reference code's configs/segmentation/upernet_bidense_ade20k.yaml): UPerNet
# with a binary ConvNeXt-T body and the reference's binary UPerNet decoder
# (BiDenseUPerHead; full-precision stem and classifier), trained from scratch
# on ADE20K (MMSegmentation's ADE20KDataset, 512x512 crops) with AdamW (peak
# lr 1e-4, weight decay 0.01) and a one-cycle schedule stepped per epoch for
# 50 epochs. Batch 32 as the reference: 4 GPUs x 2 images x 4 accumulated.
#   python tools/train.py configs/bidense/upernet_bidense-convnext-t_ade20k-512x512.py
# Twins with identical architecture (only the conv type differs):
# upernet_{fp,bnn,reactnet,bidense-deploy}-convnext-t_ade20k-512x512.py.
_base_ = [
    './_base_/models/upernet_bidense_convnext.py',
    'mmseg::_base_/datasets/ade20k.py', '../_base_/default_runtime.py',
    './_base_/schedules/adamw_onecycle_50e.py'
]
crop_size = (512, 512)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(
    batch_size=2, sampler=dict(type='DefaultSampler', shuffle=True))
optim_wrapper = dict(accumulative_counts=4)  # peak lr 1e-4: the base's
