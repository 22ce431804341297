# Copyright (c) mmbin contributors. All rights reserved.
from .delta_attention import DeltaMultiheadAttention
from .delta_conv import DeltaConv2d
from .delta_layer import ACTIVATION_SIDES, DEFAULT_DELTA_CFG, DeltaLayerMixin
from .delta_linear import DeltaLinear
from .delta_norm import DeltaLayerNorm
from .delta_params import DeltaParameters
from .hard_concrete import HardConcreteGate
from .init_from import (INIT_FROM_KEYS, check_architecture, check_init_from,
                        load_previous_step, load_single_task)
from .mac_accounting import (dense_component_macs, effective_macs,
                             summarize_records)
from .param_delta import ParamDelta
from .sharing_context import SharingContext
from .step_checkpoints import (config_differences, load_step_state_dict,
                               remap_state_dict, resolve_step_checkpoint,
                               saved_model_cfg)
from .video_state import (VIDEO_KEYS, VideoState, check_video_cfg,
                          cross_task_keys)
from .wrap import SHAREABLE_TYPES, delta_layers, wrap_for_sharing

__all__ = [
    'HardConcreteGate', 'ParamDelta', 'SharingContext', 'DeltaLayerMixin',
    'DEFAULT_DELTA_CFG', 'ACTIVATION_SIDES', 'DeltaConv2d', 'DeltaLinear',
    'DeltaLayerNorm', 'DeltaParameters',
    'DeltaMultiheadAttention', 'wrap_for_sharing', 'delta_layers',
    'SHAREABLE_TYPES', 'summarize_records', 'dense_component_macs',
    'effective_macs', 'resolve_step_checkpoint', 'load_step_state_dict',
    'remap_state_dict', 'saved_model_cfg', 'config_differences',
    'INIT_FROM_KEYS', 'check_init_from', 'check_architecture',
    'load_single_task', 'load_previous_step', 'VIDEO_KEYS', 'VideoState',
    'check_video_cfg', 'cross_task_keys'
]
