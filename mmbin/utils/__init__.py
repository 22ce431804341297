# Copyright (c) mmbin contributors. All rights reserved.
from .checkpoint import (TRUST_ENV, UnsafeCheckpointError, safe_torch_load,
                         trust_all_checkpoints)
from .dist import setup_cpu_distributed
from .markdown import markdown_table
from .model_builder import build_model_from_config
from .test_metrics import read_test_metrics

__all__ = [
    'TRUST_ENV', 'UnsafeCheckpointError', 'safe_torch_load',
    'trust_all_checkpoints', 'setup_cpu_distributed',
    'build_model_from_config', 'read_test_metrics', 'markdown_table'
]
