# CPU schedule of the computation-sharing steps on the synthetic stand-in:
# Adam, linear decay, validation and one checkpoint at the end. Each step
# config sets its own length (train_cfg.max_iters and the scheduler end).
max_iters = 200
optimizer = dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.)
optim_wrapper = dict(
    type='OptimWrapper', optimizer=optimizer, clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=1.0,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='AtomicCheckpointHook', by_epoch=False, interval=max_iters,
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
randomness = dict(seed=0)
