# Second stage of step 2 on NYUD-v2 (ResNet-18): freeze the non-zero
# pattern of the weight deltas of nyud_r18_step2.py (at most
# `fix_mask_density` of the encoder weights per task, largest first) and
# fine-tune only those entries.
#   python tools/train.py configs/sharing/nyud_r18_step2_fixmask.py
_base_ = ['./nyud_r18_step2.py']
model = dict(
    sharing=dict(fix_mask=True, fix_mask_density=0.1),
    init_from=dict(
        _delete_=True,
        previous_step=dict(
            checkpoint='work_dirs/nyud_r18_step2',
            config='configs/sharing/nyud_r18_step2.py')))
max_iters = 10000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-6,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
