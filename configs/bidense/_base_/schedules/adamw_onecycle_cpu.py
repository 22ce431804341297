# CPU-sized version of adamw_onecycle_50e.py for the synthetic stand-in:
# the same optimiser and one-cycle shape over `max_iters` iterations,
# validation and a checkpoint at the end.
max_iters = 300
warmup_iters = 90  # 30% of max_iters
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                       custom_keys={
                           'act_binarizer': dict(decay_mult=0.0),
                           '.act.': dict(decay_mult=0.0),
                           '.activate.': dict(decay_mult=0.0),
                       }),
    clip_grad=dict(max_norm=10.0))
# One cycle as two standard schedulers (MMEngine's OneCycleLR pickles a
# bound method into checkpoints, which mmbin's safe loader refuses):
# linear warm-up from lr/25, then cosine annealing to lr/1e4.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1 / 25,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        eta_min=2e-7,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=25, log_metric_by_epoch=False),
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
