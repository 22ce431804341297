# Copyright (c) mmbin contributors. All rights reserved.
"""Render multi-task dataset samples to PNG files, the image and every task
map side by side: the procedure of ``tools/misc/browse_dataset.py``.

The samples go through the config's pipeline, so ``phase='train'`` shows
the augmented maps, which is the way to check that they stay aligned.
Depth is colour-mapped with a metric scale bar, normals drawn as RGB,
boundaries and saliency in white (ignored pixels grey).

MMSegmentation's ``browse_dataset.py`` draws one semantic map over the
image with ``SegLocalVisualizer``; multi-task samples need one panel per
task with a rendering per kind of map (:mod:`.task_maps`), hence this
module.
"""
import os
import os.path as osp
from typing import List, Optional

import numpy as np

from .task_maps import (depth_with_scale, edges_to_rgb, labels_to_rgb,
                        normals_to_rgb, tile_panels)

__all__ = ['PHASES', 'render_sample', 'browse_dataset']

#: Dataloaders a dataset can be browsed from.
PHASES = ('train', 'val', 'test')


def render_sample(packed: dict, metainfo: dict) -> np.ndarray:
    """One RGB panel strip from a packed sample (``inputs`` +
    ``data_samples``) of a multi-task pipeline.

    Args:
        packed (dict): Output of ``PackMultiTaskInputs``.
        metainfo (dict): Dataset meta (``palette``, ``part_palette``).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    img = packed['inputs'].numpy().transpose(1, 2, 0)
    img = np.ascontiguousarray(img[..., ::-1]).astype(np.uint8)  # BGR->RGB
    sample = packed['data_samples']
    panels = [('image', img)]
    if 'gt_sem_seg' in sample:
        panels.append(('semantic', labels_to_rgb(sample.gt_sem_seg.data,
                                                 metainfo['palette'])))
    if 'gt_depth_map' in sample:
        panels.append(('depth', depth_with_scale(sample.gt_depth_map.data)))
    if 'gt_normal_map' in sample:
        panels.append(('normals', normals_to_rgb(sample.gt_normal_map.data)))
    if 'gt_edge_map' in sample:
        panels.append(('boundaries', edges_to_rgb(sample.gt_edge_map.data)))
    if 'gt_parts' in sample:
        palette = metainfo.get('part_palette') or metainfo['palette']
        panels.append(('human parts',
                       labels_to_rgb(sample.gt_parts.data, palette,
                                     ignore_color=(64, 64, 64))))
    if 'gt_saliency' in sample:
        panels.append(('saliency', edges_to_rgb(sample.gt_saliency.data)))
    return tile_panels(panels)


def browse_dataset(config: str,
                   output_dir: str,
                   num: int = 10,
                   phase: str = 'val',
                   data_root: Optional[str] = None,
                   cfg_options: Optional[dict] = None) -> List[str]:
    """Write ``<sample_id>.png`` for the first ``num`` samples of a phase.

    Args:
        config (str): Config with the phase's dataloader.
        output_dir (str): Folder for the PNG files (created).
        num (int): Number of samples (>= 1; fewer when the dataset is
            smaller). Defaults to 10.
        phase (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'val'``.
        data_root (str, optional): Override the dataset's ``data_root``.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        list[str]: The files written, in order (each is also printed).

    Raises:
        ValueError: If ``num`` < 1 or ``phase`` is unknown.
        FileNotFoundError: If the config does not exist.
        ConfigError: If the config has a syntax error or a
            ``cfg_options`` key is unknown
            (:func:`mmbin.utils.config_loading.load_config`).
        KeyError: If the config has no dataloader for ``phase``.
    """
    import cv2
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    from mmbin.utils.config_loading import load_config

    if num < 1:
        raise ValueError(f'browse_dataset: num must be >= 1, got {num}')
    if phase not in PHASES:
        raise ValueError(f'browse_dataset: phase must be one of {PHASES}, '
                         f'got {phase!r}')
    cfg = load_config(config, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    loader = cfg.get(f'{phase}_dataloader')
    if loader is None:
        raise KeyError(f'{config}: no {phase}_dataloader')
    ds_cfg = loader['dataset']
    if data_root:
        ds_cfg['data_root'] = data_root
    dataset = DATASETS.build(ds_cfg)
    os.makedirs(output_dir, exist_ok=True)
    written = []
    for i in range(min(num, len(dataset))):
        packed = dataset[i]
        strip = render_sample(packed, dataset.metainfo)
        name = packed['data_samples'].metainfo.get('sample_id', f'{i:06d}')
        out = osp.join(output_dir, f'{name}.png')
        cv2.imwrite(out, strip[..., ::-1])
        print(out)
        written.append(out)
    return written
