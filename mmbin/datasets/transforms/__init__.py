# Copyright (c) mmbin contributors. All rights reserved.
from .formatting import PackMultiTaskInputs
from .geometric import (MultiTaskRandomCrop, MultiTaskRandomFlip,
                        MultiTaskResize)
from .loading import LoadMultiTaskAnnotations, MultiTaskDataError

__all__ = [
    'LoadMultiTaskAnnotations', 'MultiTaskDataError', 'MultiTaskResize',
    'MultiTaskRandomCrop', 'MultiTaskRandomFlip', 'PackMultiTaskInputs'
]
