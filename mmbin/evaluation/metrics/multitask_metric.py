# Copyright (c) mmbin contributors. All rights reserved.
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable

from . import task_stats as ts
from .delta_m import delta_m

# task -> (prediction field, ground-truth field) of a SegDataSample
TASK_FIELDS = OrderedDict(
    seg=('pred_sem_seg', 'gt_sem_seg'),
    depth=('pred_depth_map', 'gt_depth_map'),
    normal=('pred_normal_map', 'gt_normal_map'),
    edge=('pred_edge_map', 'gt_edge_map'),
    parts=('pred_parts', 'gt_parts'),
    saliency=('pred_saliency', 'gt_saliency'))


def _field(sample, name):
    """``data`` of a PixelData field of a sample (dict or data element)."""
    if isinstance(sample, dict):
        value = sample.get(name)
        if value is None:
            return None
        return value['data'] if isinstance(value, dict) else value.data
    if name in sample:
        return getattr(sample, name).data
    return None


@METRICS.register_module()
class MultiTaskMetric(BaseMetric):
    """Evaluate every dense task of a multi-task model in one metric.

    Reads ``pred_*`` / ``gt_*`` fields of the data samples (see
    :data:`TASK_FIELDS`) and reports, with keys usable as ``save_best``:

    - ``seg/mIoU``, ``seg/mAcc``, ``seg/aAcc``: from per-class areas
      accumulated over the set (mmseg's ``IoUMetric`` machinery);
    - ``depth/rmse``, ``depth/abs_rel``, ``depth/delta1`` (%),
      ``depth/log_rmse``: pooled over all valid pixels of the set, not
      averaged per image;
    - ``normal/mean``, ``normal/median``, ``normal/rmse`` (degrees),
      ``normal/11.25``, ``normal/22.5``, ``normal/30`` (% of pixels);
    - ``edge/odsF``, ``edge/oisF`` (and ODS precision, recall and
      threshold), BSDS pixel matching via pyEdgeEval with tolerance
      ``edge_max_dist`` of the image diagonal;
    - ``parts/mIoU``; ``saliency/maxF``, ``saliency/mIoU``;
    - ``multitask/delta_m`` (%) when ``delta_m_baseline`` is given.

    Predictions must have the size of the ground truth (mmseg segmentors
    resize their outputs back to the original image).

    Args:
        tasks (Sequence[str], optional): Tasks to evaluate; by default those
            whose prediction and ground truth the first sample carries.
        ignore_index (int): Ignored label of label maps. Defaults to 255.
        num_classes (int, optional): Semantic classes; defaults to
            ``len(dataset_meta['classes'])``.
        num_part_classes (int, optional): Human-part classes; defaults to
            ``len(dataset_meta['part_classes'])`` or 7.
        depth_min_pred (float): Clamp of predicted depth. Defaults to 1e-9.
        edge_max_dist (float): Boundary matching tolerance, fraction of the
            diagonal: 0.011 for NYUD-v2 (default), 0.0075 for PASCAL.
        edge_thresholds (int | Sequence[float]): Threshold grid of the ODS
            sweep; an int ``k`` gives ``k`` evenly spaced thresholds in
            (0, 1). Defaults to 99 (the BSDS benchmark's); fewer make
            evaluation proportionally faster.
        edge_apply_thinning (bool): Thin thresholded maps (BSDS).
            Defaults to True.
        edge_apply_nms (bool): NMS on the edge probabilities first.
            Defaults to False.
        saliency_thresholds (Sequence[float], optional): Threshold grid of
            saliency; defaults to 0.05, 0.10, ..., 0.95.
        delta_m_baseline (dict, optional): Single-task baseline values by
            metric key, e.g. ``{'seg/mIoU': 40.0, 'depth/rmse': 0.6}``.
        delta_m_lower_better (Sequence[str], optional): Extra keys for
            which lower is better (rmse, abs_rel, log_rmse, mean, median
            already are).
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to 'cpu'.
        prefix (str, optional): Extra key prefix (``prefix/seg/mIoU``).

    References:
        - Vandenhende et al., "Multi-Task Learning for Dense Prediction
          Tasks: A Survey", TPAMI 2021. https://arxiv.org/abs/2004.13379
          Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
        - Maninis et al., "Attentive Single-Tasking of Multiple Tasks",
          CVPR 2019. https://arxiv.org/abs/1904.08918
          Code: https://github.com/facebookresearch/astmt
        - Eigen et al., "Depth Map Prediction from a Single Image using a
          Multi-Scale Deep Network", NeurIPS 2014.
          https://arxiv.org/abs/1406.2283
        - Arbelaez et al., "Contour Detection and Hierarchical Image
          Segmentation", TPAMI 2011 (not on arXiv): the BSDS boundary
          benchmark and its pixel matching.
        - Pont-Tuset and Marques, "Supervised Evaluation of Image
          Segmentation and Object Proposal Techniques", TPAMI 2016 (SEISM,
          the odsF code of MTI-Net / ATRC / InvPT).
          Code: https://github.com/jponttuset/seism
        - pyEdgeEval, a Python implementation of the BSDS / SEISM boundary
          evaluation. Code: https://github.com/haruishi43/py-edge-eval
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 tasks: Optional[Sequence[str]] = None,
                 ignore_index: int = 255,
                 num_classes: Optional[int] = None,
                 num_part_classes: Optional[int] = None,
                 depth_min_pred: float = 1e-9,
                 edge_max_dist: float = 0.011,
                 edge_thresholds: Union[int, Sequence[float]] = 99,
                 edge_apply_thinning: bool = True,
                 edge_apply_nms: bool = False,
                 saliency_thresholds: Optional[Sequence[float]] = None,
                 delta_m_baseline: Optional[Dict[str, float]] = None,
                 delta_m_lower_better: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if tasks is not None:
            unknown = [t for t in tasks if t not in TASK_FIELDS]
            if unknown:
                raise ValueError(f'MultiTaskMetric: unknown tasks {unknown}; '
                                 f'known: {list(TASK_FIELDS)}')
            tasks = tuple(tasks)
        self.tasks = tasks
        self.ignore_index = ignore_index
        self.num_classes = num_classes
        self.num_part_classes = num_part_classes
        self.depth_min_pred = depth_min_pred
        self.edge_max_dist = edge_max_dist
        self.edge_thresholds = ts.edge_thresholds(edge_thresholds)
        self.edge_apply_thinning = edge_apply_thinning
        self.edge_apply_nms = edge_apply_nms
        self.saliency_thresholds = np.asarray(
            saliency_thresholds if saliency_thresholds is not None else
            np.round(np.arange(0.05, 0.96, 0.05), 2), np.float64)
        self.delta_m_baseline = dict(delta_m_baseline or {})
        self.delta_m_lower_better = list(delta_m_lower_better or [])

    # -- helpers -------------------------------------------------------------
    def _num_classes(self, key: str, default: Optional[int]) -> int:
        meta = self.dataset_meta or {}
        if key == 'classes' and self.num_classes is not None:
            return self.num_classes
        if key == 'part_classes' and self.num_part_classes is not None:
            return self.num_part_classes
        if key in meta:
            return len(meta[key])
        if default is None:
            raise ValueError(
                f'MultiTaskMetric: no dataset_meta[{key!r}] to count the '
                f'classes; pass num_classes explicitly')
        return default

    def _active_tasks(self, sample) -> tuple:
        if self.tasks is None:
            self.tasks = tuple(
                t for t, (p, g) in TASK_FIELDS.items()
                if _field(sample, p) is not None
                and _field(sample, g) is not None)
            if not self.tasks:
                raise ValueError(
                    'MultiTaskMetric: the data samples carry no pair of '
                    f'prediction and ground truth among {dict(TASK_FIELDS)}')
        return self.tasks

    # -- BaseMetric API -----------------------------------------------------
    def process(self, data_batch, data_samples: Sequence) -> None:
        """Reduce each sample to per-task statistics.

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): Samples with predictions.
        """
        for sample in data_samples:
            out = {}
            for task in self._active_tasks(sample):
                pred_key, gt_key = TASK_FIELDS[task]
                pred, gt = _field(sample, pred_key), _field(sample, gt_key)
                name = (sample.get('img_path') if isinstance(sample, dict)
                        else sample.metainfo.get('img_path'))
                if pred is None or gt is None:
                    raise KeyError(
                        f'MultiTaskMetric: sample {name} lacks '
                        f'{pred_key if pred is None else gt_key} for task '
                        f'{task!r}')
                if tuple(pred.shape[-2:]) != tuple(gt.shape[-2:]):
                    raise ValueError(
                        f'MultiTaskMetric: {task} prediction of {name} is '
                        f'{tuple(pred.shape[-2:])} but its ground truth is '
                        f'{tuple(gt.shape[-2:])}')
                if task == 'seg':
                    out[task] = ts.label_stats(
                        pred.squeeze(), gt.squeeze(),
                        self._num_classes('classes', None), self.ignore_index)
                elif task == 'parts':
                    out[task] = ts.label_stats(
                        pred.squeeze(), gt.squeeze(),
                        self._num_classes('part_classes', 7),
                        self.ignore_index)
                elif task == 'depth':
                    out[task] = ts.depth_stats(pred.squeeze(), gt.squeeze(),
                                               self.depth_min_pred)
                elif task == 'normal':
                    out[task] = ts.normal_stats(pred, gt)
                elif task == 'edge':
                    out[task] = ts.edge_stats(
                        pred.squeeze(), gt.squeeze(), self.edge_thresholds,
                        self.edge_max_dist, self.edge_apply_thinning,
                        self.edge_apply_nms, self.ignore_index)
                else:
                    out[task] = ts.saliency_stats(pred.squeeze(),
                                                  gt.squeeze(),
                                                  self.saliency_thresholds,
                                                  self.ignore_index)
            self.results.append(out)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Summarise the statistics of the whole set.

        Args:
            results (list[dict]): Per-sample statistics from all ranks.

        Returns:
            dict[str, float]: Metrics keyed ``task/name``.
        """
        logger = MMLogger.get_current_instance()
        metrics = OrderedDict()
        tasks = self.tasks or (tuple(results[0]) if results else ())
        for task in tasks:
            stats = [r[task] for r in results if task in r]
            if not stats:
                continue
            if task in ('seg', 'parts'):
                summary = ts.label_summary(stats)
                per_class = summary.pop('IoU')
                summary.pop('Acc')
                self._log_classes(task, per_class, logger)
            elif task == 'depth':
                summary = ts.depth_summary(stats)
            elif task == 'normal':
                summary = ts.normal_summary(stats)
            elif task == 'edge':
                summary = ts.edge_summary(stats, self.edge_thresholds)
            else:
                summary = ts.saliency_summary(stats)
            for k, v in summary.items():
                metrics[f'{task}/{k}'] = v
        if self.delta_m_baseline:
            metrics['multitask/delta_m'] = delta_m(metrics,
                                                   self.delta_m_baseline,
                                                   self.delta_m_lower_better)
        table = PrettyTable(field_names=['metric', 'value'])
        for k, v in metrics.items():
            table.add_row([k, f'{v:.4f}'])
        print_log('\n' + table.get_string(), logger=logger)
        return dict(metrics)

    def _log_classes(self, task, per_class, logger) -> None:
        meta = self.dataset_meta or {}
        names = meta.get('classes' if task == 'seg' else 'part_classes')
        if names is None or len(names) != len(per_class):
            names = [str(i) for i in range(len(per_class))]
        table = PrettyTable(field_names=['class', 'IoU'])
        for n, v in zip(names, per_class):
            table.add_row([n, f'{100 * v:.2f}'])
        print_log(f'per-class IoU ({task}):\n' + table.get_string(),
                  logger=logger)
