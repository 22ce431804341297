# Copyright (c) mmbin contributors. All rights reserved.
"""Visualiser drawing every task of a multi-task sample into one image."""
from typing import List, Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from .task_maps import (depth_with_scale, edges_to_rgb, labels_to_rgb,
                        normals_to_rgb, tile_panels)

__all__ = ['MultiTaskVisualizer']

# task -> (ground-truth field, prediction field, title)
_TASKS = (
    ('seg', 'gt_sem_seg', 'pred_sem_seg', 'semseg'),
    ('parts', 'gt_parts', 'pred_parts', 'parts'),
    ('depth', 'gt_depth_map', 'pred_depth_map', 'depth'),
    ('normal', 'gt_normal_map', 'pred_normal_map', 'normals'),
    ('edge', 'gt_edge_map', 'pred_edge_map', 'boundaries'),
    ('saliency', 'gt_saliency', 'pred_saliency', 'saliency'),
)


def _default_palette(n: int, seed: int = 42) -> List[Tuple[int, int, int]]:
    rng = np.random.RandomState(seed)
    return [tuple(int(c) for c in rng.randint(0, 256, 3)) for _ in range(n)]


@VISUALIZERS.register_module()
class MultiTaskVisualizer(SegLocalVisualizer):
    """One figure per sample: the image, then ground truth (top row) and
    prediction (bottom row) of every task the sample carries.

    Semantic and part labels are coloured with the dataset palette (or a
    fixed random one), depth with a turbo colour map and a metric scale
    shared by ground truth and prediction, normals as ``(n + 1) / 2`` RGB,
    boundaries and saliency as intensity. Renderings are mmbin's
    :mod:`mmbin.visualization.task_maps`. It replaces mmseg's
    ``SegLocalVisualizer`` in a config
    (``visualizer=dict(type='MultiTaskVisualizer', ...)``) and is driven by
    mmseg's ``SegVisualizationHook`` (``tools/test.py --show-dir``), which
    calls :meth:`add_datasample`.

    Args:
        name (str): Instance name. Defaults to ``'visualizer'``.
        alpha (float): Opacity of the label overlay on the image in the
            semantic panels. Defaults to 0.6.
        max_depth (float, optional): Upper end of the depth colour scale;
            defaults to the ground truth's largest value.
        **kwargs: Other arguments of ``SegLocalVisualizer``
            (``vis_backends``, ``save_dir``, ``classes``, ``palette``, ...).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 alpha: float = 0.6,
                 max_depth: Optional[float] = None,
                 **kwargs) -> None:
        super().__init__(name=name, alpha=alpha, **kwargs)
        self.max_depth = max_depth

    def _palette(self, key: str, n: int) -> Sequence:
        meta = self.dataset_meta or {}
        palette = meta.get('palette') if key == 'seg' else meta.get(
            'part_palette')
        if palette is None or len(palette) < n:
            palette = _default_palette(
                max(n, 1), seed=7 if key == 'seg' else 11)
        return palette

    def _overlay(self, image: np.ndarray, rgb: np.ndarray,
                 label: np.ndarray) -> np.ndarray:
        out = image.astype(np.float32)
        valid = label != 255
        out[valid] = (1 - self.alpha) * out[valid] + self.alpha * rgb[valid]
        return out.astype(np.uint8)

    def _render(self, task: str, image: np.ndarray, data, depth_range):
        data = data.detach().cpu().numpy() if hasattr(data, 'detach') \
            else np.asarray(data)
        if task in ('seg', 'parts'):
            label = np.squeeze(data).astype(np.int64)
            if label.shape != image.shape[:2]:
                label = mmcv.imresize(
                    label.astype(np.uint8), (image.shape[1], image.shape[0]),
                    interpolation='nearest').astype(np.int64)
            n = int(label[label != 255].max()) + 1 if (label != 255).any() \
                else 1
            meta = self.dataset_meta or {}
            classes = meta.get('classes' if task == 'seg' else 'part_classes')
            n = max(n, len(classes) if classes else 0)
            rgb = labels_to_rgb(label, self._palette(task, n))
            return self._overlay(image, rgb, label)
        if task == 'depth':
            return depth_with_scale(data, *depth_range)
        if task == 'normal':
            return normals_to_rgb(data)
        return edges_to_rgb(data)

    def _fit(self, rgb: np.ndarray, shape) -> np.ndarray:
        if rgb.shape[:2] != tuple(shape):
            rgb = mmcv.imresize(
                rgb, (shape[1], shape[0]), interpolation='nearest')
        return rgb

    def draw_multitask(self,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample],
                       draw_gt: bool = True,
                       draw_pred: bool = True) -> np.ndarray:
        """Compose the figure of one sample.

        Args:
            image (np.ndarray): RGB image (H, W, 3).
            data_sample (SegDataSample, optional): Ground truth and / or
                predictions.
            draw_gt (bool): Draw the ground-truth row. Defaults to True.
            draw_pred (bool): Draw the prediction row. Defaults to True.

        Returns:
            np.ndarray: RGB figure.
        """
        image = np.ascontiguousarray(image[..., :3]).astype(np.uint8)
        if data_sample is None:
            return tile_panels([('image', image)])
        rows: List[List[Tuple[str, np.ndarray]]] = [[('image', image)],
                                                    [('image', image)]]
        for task, gt_key, pred_key, title in _TASKS:
            has_gt = draw_gt and gt_key in data_sample
            has_pred = draw_pred and pred_key in data_sample
            if not (has_gt or has_pred):
                continue
            depth_range = (None, self.max_depth)
            if task == 'depth':
                ref = data_sample.get(gt_key if has_gt else pred_key).data
                ref = ref.detach().cpu().numpy() if hasattr(
                    ref, 'detach') else np.asarray(ref)
                valid = ref[np.isfinite(ref) & (ref > 0)]
                if valid.size:
                    depth_range = (float(valid.min()), self.max_depth
                                   or float(valid.max()))
            blank = None
            for row, key, ok, tag in ((rows[0], gt_key, has_gt, 'GT'),
                                      (rows[1], pred_key, has_pred, 'pred')):
                if ok:
                    rgb = self._render(task, image,
                                       data_sample.get(key).data, depth_range)
                    rgb = self._fit(rgb, image.shape[:2]) if task != \
                        'depth' else rgb
                    row.append((f'{title} {tag}', rgb))
                    blank = np.full_like(rgb, 255)
                else:
                    row.append((f'{title} {tag}', None))
            for row in rows:
                if row[-1][1] is None:
                    row[-1] = (row[-1][0], blank)
        if not draw_gt:
            rows = rows[1:]
        elif not draw_pred:
            rows = rows[:1]
        tiles = [tile_panels(r) for r in rows]
        width = max(t.shape[1] for t in tiles)
        tiles = [
            np.pad(
                t, ((0, 6), (0, width - t.shape[1]), (0, 0)),
                constant_values=255) for t in tiles
        ]
        return np.concatenate(tiles, axis=0)[:-6]

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        """Draw one sample and save it to every backend (or ``out_file``),
        with the signature of ``SegLocalVisualizer.add_datasample``.

        Args:
            name (str): Image identifier.
            image (np.ndarray): RGB image.
            data_sample (SegDataSample, optional): Sample to draw.
            draw_gt (bool): Draw ground truth. Defaults to True.
            draw_pred (bool): Draw predictions. Defaults to True.
            show (bool): Display instead of saving. Defaults to False.
            wait_time (float): Display time (s). Defaults to 0.
            out_file (str, optional): Write the figure to this file.
            step (int): Global step. Defaults to 0.
            with_labels (bool, optional): Unused (no class names are drawn
                on the panels).
        """
        drawn = self.draw_multitask(image, data_sample, draw_gt, draw_pred)
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
        else:
            self.add_image(name, drawn, step)
