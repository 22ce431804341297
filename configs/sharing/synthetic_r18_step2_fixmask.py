# Second stage of step 2 (ResNet-18, synthetic stand-in): freeze the
# non-zero pattern of the weight deltas learned by synthetic_r18_step2.py
# (pruned to at most `fix_mask_density` of the encoder weights per task,
# largest deltas first) and fine-tune only those entries.
#   python tools/train.py configs/sharing/synthetic_r18_step2_fixmask.py
_base_ = ['./synthetic_r18_step2.py']
model = dict(
    sharing=dict(fix_mask=True, fix_mask_density=0.1),
    init_from=dict(
        _delete_=True,
        previous_step=dict(
            checkpoint='work_dirs/synthetic_r18_step2',
            config='configs/sharing/synthetic_r18_step2.py')))
# CPU schedule: 100 iterations of batch 8.
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
