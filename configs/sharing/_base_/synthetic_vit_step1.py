# Step 1 of computation sharing on the synthetic stand-in (small ViT): the
# multi-task ViT of mt_vit_tiny_cpu.py with the data and schedule of the
# sharing CPU runs. The per-task configs synthetic_vit_step1_<task>.py keep
# one head each.
_base_ = [
    './mt_vit_tiny_cpu.py', './synthetic_cpu_data.py',
    '../../_base_/default_runtime.py', './schedule_sharing_cpu.py'
]
# CPU schedule of step 1: 400 iterations of batch 8.
step1_iters = 400
train_cfg = dict(max_iters=step1_iters, val_interval=step1_iters)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=1.0,
        begin=0,
        end=step1_iters,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=step1_iters))
