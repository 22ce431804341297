# Copyright (c) mmbin contributors. All rights reserved.
from .checkpoint import (TRUST_ENV, DamagedCheckpointError,
                         UnsafeCheckpointError, safe_torch_load,
                         trust_all_checkpoints)
from .checkpoint_loading import (CheckpointMismatchError, compare_state_dicts,
                                 load_checkpoint_checked)
from .cli import (add_cfg_options_arg, add_config_args, add_shape_arg,
                  add_threads_arg, add_trust_checkpoint_arg,
                  apply_trust_checkpoint, non_negative_int, positive_int)
from .config_loading import (ConfigError, load_config,
                             merge_cfg_options)
from .dist import setup_cpu_distributed
from .markdown import markdown_table
from .model_builder import build_model_from_config
from .test_metrics import read_test_metrics
from .timing import median_ms, time_calls

__all__ = [
    'TRUST_ENV', 'UnsafeCheckpointError', 'safe_torch_load',
    'DamagedCheckpointError', 'CheckpointMismatchError',
    'compare_state_dicts', 'load_checkpoint_checked',
    'trust_all_checkpoints', 'setup_cpu_distributed', 'ConfigError',
    'load_config', 'merge_cfg_options',
    'build_model_from_config', 'read_test_metrics', 'markdown_table',
    'positive_int', 'non_negative_int', 'add_config_args',
    'add_cfg_options_arg', 'add_shape_arg', 'add_threads_arg',
    'add_trust_checkpoint_arg', 'apply_trust_checkpoint', 'time_calls',
    'median_ms'
]
