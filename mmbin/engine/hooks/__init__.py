# Copyright (c) mmbin contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .bimtdp_distill_hook import BiMTDPDistillHook
from .binary_health_hook import BinaryHealthHook
from .checkpoint_load_check_hook import CheckpointLoadCheckHook
from .fp_init_hook import FPInitHook
from .nonfinite_guard_hook import NonFiniteGuardHook, NonFiniteTrainingError
from .rank_averaged_loss_hook import RankAveragedLossHook
from .rng_state_hook import RNGStateHook
from .two_stage_binarization_hook import TwoStageBinarizationHook

__all__ = [
    'AtomicCheckpointHook', 'CheckpointLoadCheckHook', 'RNGStateHook',
    'BiMTDPDistillHook', 'BinaryHealthHook', 'NonFiniteGuardHook',
    'NonFiniteTrainingError', 'RankAveragedLossHook', 'FPInitHook',
    'TwoStageBinarizationHook']
from .visualization_hook import TestTimeSegVisualizationHook  # noqa: F401,E501
