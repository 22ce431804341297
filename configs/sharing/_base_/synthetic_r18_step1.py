# Step 1 of computation sharing on the synthetic stand-in (ResNet-18): the
# full-precision multi-task model of configs/mtdp (CPU-sized decoder) with
# the data and schedule of the sharing CPU runs. The per-task configs
# synthetic_r18_step1_<task>.py keep one head each.
_base_ = [
    '../../_base_/models/mtdp_r18_cpu.py', './synthetic_cpu_data.py',
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
# Plain (non-residual) decoder and head blocks, the layout the CPU runs of
# docs/sharing.md were trained with; pinned here so that the step-1
# checkpoints keep fitting the later steps whatever the Bi-MTDP teacher
# layout of mtdp_r18.py becomes.
model = dict(
    decoder=dict(bypass=False),
    decode_heads=dict(
        seg=dict(bypass=False),
        depth=dict(bypass=False),
        normal=dict(bypass=False),
        edge=dict(bypass=False)))
