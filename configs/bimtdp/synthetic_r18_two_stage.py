# configs/bimtdp/synthetic_r18.py (FP-initialised, feature distillation) trained
# in two stages, as ReActNet and Real-to-Binary: binary activations with
# real-valued weights for the first half of the iterations, then binary
# activations and weights (TwoStageBinarizationHook). The switch is a
# fraction of train_cfg.max_iters, so it moves with the training length;
# validation always runs the binary network. One learning-rate schedule
# spans both stages.
_base_ = ['./synthetic_r18.py']
custom_hooks = [
    {{_base_.distill_hook}}, {{_base_.fp_init_hook}},
    dict(type='TwoStageBinarizationHook', switch_ratio=0.5)
]
