# BiDense's schedule as its reference code runs it (pl_trainer_*.py,
# configs/*/upernet_bidense_*.yaml): from scratch, 50 epochs,
#   torch.optim.AdamW(model.parameters(), lr=max_lr)    weight decay 0.01 on
#                                                       every parameter
#   OneCycleLR(max_lr, steps_per_epoch=1, epochs=50)    stepped once an epoch
# with PyTorch's one-cycle defaults: the lr rises from max_lr/25 to max_lr
# over 30% of the epochs (14 steps) and falls to max_lr/25/1e4 at the last
# epoch, both phases cosine-shaped; beta1 of AdamW cycles 0.95 -> 0.85 ->
# 0.95 at the same time (cycle_momentum). No gradient clipping. Peak lr:
# 1e-4 (ADE20K, PASCAL VOC, KITTI), 6e-5 (NYUv2 depth); the optimizer's lr
# is the *start* value max_lr/25, so a config changes the peak with
#   optim_wrapper = dict(optimizer=dict(lr=<peak> / 25))
# Written with MMEngine's own schedulers (its OneCycleLR pickles a bound
# method into checkpoints, which mmbin's safe loader refuses); the
# eta_min_ratio values are relative to that start value.
# tests/test_bidense/test_reference_recipe.py checks lr and beta1 per
# epoch against torch's OneCycleLR.
max_epochs = 50
max_lr = 1e-4
warmup_epochs = 14  # OneCycleLR: float(pct_start * total_steps) - 1
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW',
        lr=max_lr / 25,
        betas=(0.95, 0.999),
        eps=1e-8,
        weight_decay=0.01))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min_ratio=25.0,  # up to max_lr
        T_max=warmup_epochs,
        begin=0,
        end=warmup_epochs + 1,
        by_epoch=True),
    dict(
        type='CosineAnnealingLR',
        eta_min_ratio=1e-4,  # down to max_lr / 25 / 1e4
        T_max=max_epochs - 1 - warmup_epochs,
        begin=warmup_epochs,
        end=max_epochs,
        by_epoch=True),
    dict(
        type='CosineAnnealingMomentum',
        eta_min=0.85,
        T_max=warmup_epochs,
        begin=0,
        end=warmup_epochs + 1,
        by_epoch=True),
    dict(
        type='CosineAnnealingMomentum',
        eta_min=0.95,
        T_max=max_epochs - 1 - warmup_epochs,
        begin=warmup_epochs,
        end=max_epochs,
        by_epoch=True),
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
