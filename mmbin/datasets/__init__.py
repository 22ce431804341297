# Copyright (c) mmbin contributors. All rights reserved.
from . import transforms  # noqa: F401
from .base_multitask import BaseMultiTaskDataset
from .nyu40 import NYU40_CLASSES, NYU40_PALETTE
from .nyud_multitask import NYUDMultiTaskDataset
from .pascal_context_multitask import PascalContextMultiTaskDataset
from .synthetic import (generate_synthetic_nyud, generate_synthetic_video,
                        render_synthetic_scene)
from .video_multitask_dataset import VideoMultiTaskDataset

__all__ = [
    'BaseMultiTaskDataset', 'NYUDMultiTaskDataset',
    'PascalContextMultiTaskDataset', 'NYU40_CLASSES', 'NYU40_PALETTE',
    'generate_synthetic_nyud', 'render_synthetic_scene'
]
__all__ += ['generate_synthetic_video', 'VideoMultiTaskDataset']
