# Copyright (c) mmbin contributors. All rights reserved.
"""Initialisation of a model from other trained models."""
from .fp_init import (BINARY_ONLY_TYPES, DEFAULT_MODULES, FPInitError,
                      FPInitReport, binary_only_keys, load_fp_weights,
                      resolve_checkpoint)

__all__ = [
    'BINARY_ONLY_TYPES', 'DEFAULT_MODULES', 'FPInitError', 'FPInitReport',
    'binary_only_keys', 'load_fp_weights', 'resolve_checkpoint'
]
