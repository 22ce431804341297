# Step 3 of computation sharing on NYUD-v2 (ResNet-18): activation deltas.
# The output of every wrapped convolution of a sub-task is the base task's
# output plus a delta whose entries under `threshold` are zeroed (at
# inference); an L1 penalty on the deltas makes them small. Starts from the
# fixed-mask model of step 2.
#   python tools/train.py configs/sharing/nyud_r18_step3.py
_base_ = ['./nyud_r18_step2_fixmask.py']
model = dict(
    # as the reference code: trained without thresholds, with an L1 term of
    # 5e-10 per summed |delta| of the shared outputs (batch included); the
    # threshold acts at inference ('ste': straight-through in training)
    sharing=dict(
        threshold=0.05, train_threshold='none', act_l1_weight=5e-10),
    init_from=dict(
        _delete_=True,
        previous_step=dict(
            checkpoint='work_dirs/nyud_r18_step2_fixmask',
            config='configs/sharing/nyud_r18_step2_fixmask.py')))
max_iters = 20000
train_cfg = dict(max_iters=max_iters, val_interval=4000)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-6,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=4000))
