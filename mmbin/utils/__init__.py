# Copyright (c) mmbin contributors. All rights reserved.
from .checkpoint import (TRUST_ENV, UnsafeCheckpointError, safe_torch_load,
                         trust_all_checkpoints)
from .dist import setup_cpu_distributed

__all__ = [
    'TRUST_ENV', 'UnsafeCheckpointError', 'safe_torch_load',
    'trust_all_checkpoints', 'setup_cpu_distributed'
]
