# Step 3 of computation sharing (small ViT, synthetic stand-in): activation
# deltas. The output of every wrapped linear / convolution of a sub-task is
# the base task's output plus a delta whose entries under `threshold` are
# zeroed (at inference); an L1 penalty on the deltas (and on the LayerNorm
# outputs) makes them small. Starts from the fixed-mask model of step 2
# (weight pattern kept frozen).
#   python tools/train.py configs/sharing/synthetic_vit_step3.py
_base_ = ['./synthetic_vit_step2_fixmask.py']
model = dict(
    # as the reference code: trained without thresholds, with an L1 term of
    # 5e-10 per summed |delta| of the shared outputs (batch included); the
    # threshold acts at inference ('ste': straight-through in training)
    sharing=dict(
        threshold=0.05, train_threshold='none', act_l1_weight=5e-10,
        # inference: tokens whose input equals the base task's are not
        # recomputed where the layer's weight delta is zero (exact)
        skip_unchanged=True),
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
