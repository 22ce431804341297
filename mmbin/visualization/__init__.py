# Copyright (c) mmbin contributors. All rights reserved.
from .dataset_browser import browse_dataset, render_sample
from .multitask_visualizer import MultiTaskVisualizer
from .task_maps import (colorbar, depth_to_rgb, depth_with_scale,
                        edges_to_rgb, labels_to_rgb, normals_to_rgb,
                        tile_panels)

__all__ = [
    'colorbar', 'depth_to_rgb', 'depth_with_scale', 'edges_to_rgb',
    'labels_to_rgb', 'normals_to_rgb', 'tile_panels', 'MultiTaskVisualizer',
    'browse_dataset', 'render_sample'
]
