# BiDense (Yin et al., 2024) semantic segmentation: UPerNet with a binary
# ConvNeXt-T body and a binary UPerNet decoder (every PPM/FPN conv a
# BiDenseConv; full-precision stem and classifier), trained from scratch on
# ADE20K (MMSegmentation's ADE20KDataset, 512x512 crops) with AdamW and a
# one-cycle learning rate for 50 epochs. Batch: 4 GPUs x 4 images.
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
    batch_size=4, sampler=dict(type='DefaultSampler', shuffle=True))
