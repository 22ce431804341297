# BiDense's schedule: from scratch, AdamW with a one-cycle learning rate,
# 50 epochs. Peak lr, weight decay and warm-up fraction are not given in the
# paper summary; ours: peak 1e-3, decay 0.01 (none on norms, biases and the
# binarizer/activation parameters), 30% warm-up.
max_epochs = 50
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                       custom_keys={
                           'act_binarizer': dict(decay_mult=0.0),
                           '.act.': dict(decay_mult=0.0),
                           '.activate.': dict(decay_mult=0.0),
                       }),
    clip_grad=dict(max_norm=10.0))
# One cycle as two standard schedulers (MMEngine's OneCycleLR pickles a
# bound method into checkpoints, which mmbin's safe loader refuses):
# linear warm-up from lr/25 over 15 epochs, cosine annealing to lr/1e4.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1 / 25,
        by_epoch=True,
        begin=0,
        end=15,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-7,
        by_epoch=True,
        begin=15,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='AtomicCheckpointHook', by_epoch=True, interval=5, max_keep_ckpts=2),
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
