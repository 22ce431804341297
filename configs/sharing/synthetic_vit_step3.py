# Step 3 of computation sharing (small ViT, synthetic stand-in): activation
# deltas. Every wrapped linear / convolution of a sub-task takes the base task's
# input plus a delta whose entries under `threshold` are zeroed; an L1
# penalty on the deltas makes them small. Starts from the fixed-mask model
# of step 2 (weight pattern kept frozen).
#   python tools/train.py configs/sharing/synthetic_vit_step3.py
_base_ = ['./synthetic_vit_step2_fixmask.py']
model = dict(
    sharing=dict(threshold=0.05, act_l1_weight=1.0),
    init_from=dict(
        _delete_=True,
        previous_step=dict(
            checkpoint='work_dirs/synthetic_vit_step2_fixmask',
            config='configs/sharing/synthetic_vit_step2_fixmask.py')))
# CPU schedule: 200 iterations of batch 8.
step_iters = 200
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
