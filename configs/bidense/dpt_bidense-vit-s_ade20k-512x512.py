# BiDense DPT variant (the reference code's
# configs/segmentation/dpt_bidense_ade20k.yaml): a binarized ViT-S/14 and
# the reference's binary DPT decoder, trained from scratch on ADE20K
# (MMSegmentation's ADE20KDataset, 512x512 crops; the model resizes each
# image to 504x504 = 36x36 patches and predicts at 512x512) with AdamW
# (peak lr 2e-4, the yaml's MAX_LR, weight decay 0.01) and the one-cycle
# schedule stepped per epoch for 50 epochs; batch 32 = 4 GPUs x 2 x 4
# accumulated. The paper reports no DPT numbers.
#   python tools/train.py configs/bidense/dpt_bidense-vit-s_ade20k-512x512.py
# FP twin: dpt_fp-vit-s_ade20k-512x512.py. CPU twin: synthetic_seg_dpt_bidense.py.
_base_ = [
    './_base_/models/dpt_bidense_vit.py',
    'mmseg::_base_/datasets/ade20k.py', '../_base_/default_runtime.py',
    './_base_/schedules/adamw_onecycle_50e.py'
]
crop_size = (512, 512)
model = dict(data_preprocessor=dict(size=crop_size))
max_lr = 2e-4
optim_wrapper = dict(optimizer=dict(lr=max_lr / 25), accumulative_counts=4)
train_dataloader = dict(
    batch_size=2, sampler=dict(type='DefaultSampler', shuffle=True))
