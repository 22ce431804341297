# Schedule of the sharing steps (2, 2-fixmask, 3) on NYUD-v2, the reference
# code's optimisers: AdamW at lr 1e-4 with weight decay 1e-6 for the deltas
# and the sub-task decoders (they start at zero / from step 1 and fine-tune
# a trained network), polynomial decay (power 0.9), and the gates'
# log_alpha at lr 0.1 with AdamW's default weight decay 0.01 (the
# reference's separate gate optimiser as param-wise options: lr 1e-4 x 1000,
# decay 1e-6 x 1e4). Each step config sets its length.
max_iters = 20000
optimizer = dict(
    type='AdamW', lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-6)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=optimizer,
    clip_grad=dict(max_norm=10.0),
    paramwise_cfg=dict(
        custom_keys={'log_alpha': dict(lr_mult=1000.0, decay_mult=1e4)}))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-6,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='AtomicCheckpointHook', by_epoch=False, interval=4000,
        max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # mmbin: RNG states in checkpoints (exact --resume) and checkpoints
    # checked against the model on loading (docs/checkpoints.md)
    rng_state=dict(type='RNGStateHook'),
    checkpoint_load_check=dict(type='CheckpointLoadCheckHook'),
    # mmbin: stop on NaN/inf losses or gradients without saving them, and
    # log losses averaged over ranks (docs/bad_inputs.md)
    nonfinite_guard=dict(type='NonFiniteGuardHook'),
    rank_averaged_loss=dict(type='RankAveragedLossHook'),
    visualization=dict(type='SegVisualizationHook'))
