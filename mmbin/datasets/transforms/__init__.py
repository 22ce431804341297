# Copyright (c) mmbin contributors. All rights reserved.
from .formatting import PackMultiTaskInputs
from .geometric import (MultiTaskRandomCrop, MultiTaskRandomFlip,
                        MultiTaskResize)
from .image_loading import LoadImageFromFile
from .loading import LoadMultiTaskAnnotations, MultiTaskDataError

__all__ = [
    'LoadImageFromFile', 'LoadMultiTaskAnnotations', 'MultiTaskDataError',
    'MultiTaskResize', 'MultiTaskRandomCrop', 'MultiTaskRandomFlip',
    'PackMultiTaskInputs'
]
