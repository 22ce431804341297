# Copyright (c) mmbin contributors. All rights reserved.
"""Per-sample statistics and set-level summaries of the dense tasks.

Each ``*_stats`` function reduces one prediction / ground-truth pair to a
few numbers that can be summed over the set (so the metric stays small in
memory and works with mmengine's cross-rank collection); each ``*_summary``
turns the list of statistics into the set's metrics, pooling over all
valid pixels of the set as the MTI-Net / ATRC / InvPT evaluations do.
"""
from typing import Dict, List, Sequence, Union

import numpy as np
import torch

from .edge_matcher_seed import seeded_edge_matcher

NORMAL_HIST_BIN = 0.05  # degrees per histogram bin of the normal median
_NORMAL_BINS = int(round(180.0 / NORMAL_HIST_BIN))


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


# -- semantic labels ---------------------------------------------------------
def label_stats(pred, gt, num_classes: int, ignore_index: int = 255):
    """Per-class intersection, union, predicted and true areas.

    Reuses mmseg's ``IoUMetric.intersect_and_union``.

    Args:
        pred (Tensor | np.ndarray): (H, W) predicted class ids.
        gt (Tensor | np.ndarray): (H, W) true ids, ``ignore_index`` ignored.
        num_classes (int): Number of classes.
        ignore_index (int): Ignored label. Defaults to 255.

    Returns:
        np.ndarray: (4, num_classes) float64 areas.
    """
    from mmseg.evaluation.metrics import IoUMetric
    pred = torch.as_tensor(_np(pred)).long()
    gt = torch.as_tensor(_np(gt)).long()
    areas = IoUMetric.intersect_and_union(pred, gt, num_classes, ignore_index)
    return np.stack([a.cpu().numpy().astype(np.float64) for a in areas])


def label_summary(stats: List[np.ndarray],
                  metrics: Sequence[str] = ('mIoU', )) -> Dict[str, object]:
    """Set-level aAcc and mean IoU / Acc (percent) from :func:`label_stats`.

    Args:
        stats (list[np.ndarray]): Per-sample areas.
        metrics (Sequence[str]): mmseg's ``iou_metrics`` names
            (``'mIoU'``, ``'mDice'``, ``'mFscore'``).

    Returns:
        dict: ``aAcc`` and the means (``mIoU``, ``mAcc``, ...) in percent,
        and the per-class arrays (``IoU``, ``Acc``, ...) as fractions (NaN
        for classes absent from both prediction and ground truth).
    """
    from mmseg.evaluation.metrics import IoUMetric
    total = np.sum(np.stack(stats), axis=0)
    ret = IoUMetric.total_area_to_metrics(
        *[torch.from_numpy(t) for t in total], list(metrics))
    out = {}
    for key, val in ret.items():
        val = np.asarray(val, dtype=np.float64)
        if key == 'aAcc':
            out['aAcc'] = float(np.nanmean(val) * 100)
        else:
            out['m' + key] = float(np.nanmean(val) * 100)
            out[key] = val
    return out


# -- depth -------------------------------------------------------------------
def depth_stats(pred, gt, min_pred: float = 1e-9) -> np.ndarray:
    """Sums of the depth errors over the valid pixels of one sample.

    Valid pixels have a finite ground truth > 0.  Predictions that are not
    finite or below ``min_pred`` are clamped to ``min_pred`` (as InvPT's
    depth meter does with 1e-9), which the log and ratio errors punish.

    Args:
        pred (Tensor | np.ndarray): (H, W) predicted depth in metres.
        gt (Tensor | np.ndarray): (H, W) true depth, 0 = invalid.
        min_pred (float): Smallest predicted depth. Defaults to 1e-9.

    Returns:
        np.ndarray: ``[n, sum (p-g)^2, sum |p-g|/g, count max(p/g,g/p) <
        1.25, sum (log p - log g)^2]``.
    """
    pred = _np(pred).astype(np.float64).reshape(-1)
    gt = _np(gt).astype(np.float64).reshape(-1)
    if pred.shape != gt.shape:
        raise ValueError(f'depth_stats: prediction has {pred.size} pixels, '
                         f'ground truth {gt.size}')
    valid = np.isfinite(gt) & (gt > 0)
    p, g = pred[valid], gt[valid]
    p = np.where(np.isfinite(p) & (p > min_pred), p, min_pred)
    ratio = np.maximum(p / g, g / p)
    return np.array([
        valid.sum(),
        np.sum((p - g)**2),
        np.sum(np.abs(p - g) / g),
        np.sum(ratio < 1.25),
        np.sum((np.log(p) - np.log(g))**2)
    ], np.float64)


def depth_summary(stats: List[np.ndarray]) -> Dict[str, float]:
    """Pooled RMSE, AbsRel, delta1 (percent) and log-RMSE of the set."""
    n, sq, rel, d1, sqlog = np.sum(np.stack(stats), axis=0)
    if n == 0:
        nan = float('nan')
        return dict(rmse=nan, abs_rel=nan, delta1=nan, log_rmse=nan)
    return dict(
        rmse=float(np.sqrt(sq / n)),
        abs_rel=float(rel / n),
        delta1=float(100.0 * d1 / n),
        log_rmse=float(np.sqrt(sqlog / n)))


# -- surface normals ---------------------------------------------------------
def normal_angles(pred, gt) -> np.ndarray:
    """Angular errors in degrees over the valid pixels of one sample.

    Args:
        pred (Tensor | np.ndarray): (3, H, W) predicted normals (any
            length; a zero prediction counts as 90 degrees off).
        gt (Tensor | np.ndarray): (3, H, W) true normals, zero vector =
            invalid.

    Returns:
        np.ndarray: (N,) angles of the N valid pixels.
    """
    pred = _np(pred).astype(np.float64).reshape(3, -1)
    gt = _np(gt).astype(np.float64).reshape(3, -1)
    if pred.shape != gt.shape:
        raise ValueError(f'normal_angles: prediction {pred.shape} and '
                         f'ground truth {gt.shape} differ')
    gn = np.linalg.norm(gt, axis=0)
    valid = np.isfinite(gn) & (gn > 1e-6)
    p, g = pred[:, valid], gt[:, valid] / gn[valid]
    p = np.where(np.isfinite(p), p, 0.0)
    p = p / np.maximum(np.linalg.norm(p, axis=0), 1e-12)
    cos = np.clip(np.sum(p * g, axis=0), -1.0, 1.0)
    return np.degrees(np.arccos(cos))


def normal_stats(pred, gt) -> np.ndarray:
    """Sums, threshold counts and a histogram of one sample's angle errors.

    Returns:
        np.ndarray: ``[n, sum, sum of squares, count < 11.25, count < 22.5,
        count < 30, min, max]`` followed by a histogram with
        ``NORMAL_HIST_BIN``-degree bins (used for the median).
    """
    ang = normal_angles(pred, gt)
    hist = np.bincount(
        np.minimum((ang / NORMAL_HIST_BIN).astype(np.int64),
                   _NORMAL_BINS - 1),
        minlength=_NORMAL_BINS)
    head = np.array([
        ang.size,
        ang.sum(), (ang**2).sum(), (ang < 11.25).sum(), (ang < 22.5).sum(),
        (ang < 30).sum(),
        ang.min() if ang.size else np.inf,
        ang.max() if ang.size else -np.inf
    ], np.float64)
    return np.concatenate([head, hist.astype(np.float64)])


def normal_summary(stats: List[np.ndarray]) -> Dict[str, float]:
    """Mean, median, RMSE (degrees) and % within 11.25/22.5/30 degrees.

    The median is read off the pooled histogram with linear interpolation
    inside the bin (clamped to the smallest and largest angle), so it is
    exact to within ``NORMAL_HIST_BIN``.
    """
    st = np.stack(stats)
    tot = np.sum(st, axis=0)
    n = tot[0]
    if n == 0:
        nan = float('nan')
        return {'mean': nan, 'median': nan, 'rmse': nan, '11.25': nan,
                '22.5': nan, '30': nan}
    hist = tot[8:]
    cum = np.cumsum(hist)
    half = n / 2.0
    k = int(np.searchsorted(cum, half))
    before = cum[k - 1] if k > 0 else 0.0
    frac = (half - before) / max(hist[k], 1.0)
    median = np.clip((k + frac) * NORMAL_HIST_BIN, st[:, 6].min(),
                     st[:, 7].max())
    return {
        'mean': float(tot[1] / n),
        'median': float(median),
        'rmse': float(np.sqrt(tot[2] / n)),
        '11.25': float(100 * tot[3] / n),
        '22.5': float(100 * tot[4] / n),
        '30': float(100 * tot[5] / n)
    }


# -- boundaries --------------------------------------------------------------
def edge_thresholds(thresholds: Union[int, Sequence[float]]) -> np.ndarray:
    """Threshold grid: an int ``k`` gives ``k`` evenly spaced in (0, 1)
    (pyEdgeEval's and the BSDS benchmark's convention, 99 by default)."""
    if isinstance(thresholds, int):
        return np.linspace(1.0 / (thresholds + 1),
                           1.0 - 1.0 / (thresholds + 1), thresholds)
    return np.asarray(list(thresholds), np.float64)


def edge_stats(pred,
               gt,
               thresholds: np.ndarray,
               max_dist: float = 0.011,
               apply_thinning: bool = True,
               apply_nms: bool = False,
               ignore_index: int = 255) -> np.ndarray:
    """BSDS boundary matching counts of one sample at every threshold.

    The bipartite pixel matching (``correspondPixels`` of the BSDS
    benchmark, which SEISM also uses) comes from ``pyEdgeEval``; pixels
    labelled ``ignore_index`` are removed from both maps. The matcher's
    random outlier edges are drawn from a fixed seed per image
    (:mod:`.edge_matcher_seed`), so the counts are the same on every run.

    Args:
        pred (Tensor | np.ndarray): (H, W) boundary probability in [0, 1].
        gt (Tensor | np.ndarray): (H, W) 0/1 boundaries.
        thresholds (np.ndarray): Thresholds on ``pred``.
        max_dist (float): Matching tolerance as a fraction of the image
            diagonal (0.011 NYUD-v2, 0.0075 PASCAL-Context).
        apply_thinning (bool): Thin each thresholded map first (BSDS does).
        apply_nms (bool): Run pyEdgeEval's fast NMS on ``pred`` first.
        ignore_index (int): Ignored ground-truth value.

    Returns:
        np.ndarray: (4, T) ``count_r, sum_r, count_p, sum_p``: matched and
        total ground-truth pixels, matched and total predicted pixels.
    """
    try:
        from pyEdgeEval.common.binary_label import \
            evaluate_boundaries_threshold
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            'edge odsF needs pyEdgeEval: pip install --no-build-isolation '
            'cython pyEdgeEval==0.2.8') from e
    pred = _np(pred).astype(np.float64)
    gt = _np(gt)
    if pred.shape != gt.shape:
        raise ValueError(f'edge_stats: prediction {pred.shape} and ground '
                         f'truth {gt.shape} differ')
    ignore = gt == ignore_index
    gt = (gt == 1) & ~ignore
    pred = np.where(ignore | ~np.isfinite(pred), 0.0, pred)
    with seeded_edge_matcher():  # same counts on every run (see module)
        count_r, sum_r, count_p, sum_p = evaluate_boundaries_threshold(
            np.asarray(thresholds, np.float64),
            pred,
            gt,
            max_dist=max_dist,
            apply_thinning=apply_thinning,
            apply_nms=apply_nms)
    return np.stack([count_r, sum_r, count_p, sum_p]).astype(np.float64)


def _f1(prec, rec):
    return 2 * prec * rec / np.where(prec + rec > 0, prec + rec, 1)


def edge_summary(stats: List[np.ndarray],
                 thresholds: np.ndarray) -> Dict[str, float]:
    """ODS and OIS F-measures (percent) from :func:`edge_stats`.

    ODS: precision and recall pooled over the set at each threshold, F
    maximised over the threshold grid with linear interpolation between
    neighbouring thresholds (as the BSDS/SEISM ``collect_eval_bdry`` does).
    OIS: each image at its own best threshold, then pooled.
    """
    from pyEdgeEval.common.metrics import interpolated_max_scores
    st = np.stack(stats)  # (N, 4, T)
    cr, sr, cp, sp = st.sum(axis=0)
    rec = cr / np.where(sr == 0, 1, sr)
    prec = cp / np.where(sp == 0, 1, sp)
    thr, best_r, best_p, best_f = interpolated_max_scores(
        np.asarray(thresholds), rec, prec)
    # OIS
    r_i = st[:, 0] / np.where(st[:, 1] == 0, 1, st[:, 1])
    p_i = st[:, 2] / np.where(st[:, 3] == 0, 1, st[:, 3])
    best = np.argmax(_f1(p_i, r_i), axis=1)
    pick = st[np.arange(len(st)), :, best].sum(axis=0)
    ois_r = pick[0] / max(pick[1], 1)
    ois_p = pick[2] / max(pick[3], 1)
    return dict(
        odsF=float(100 * best_f),
        ods_precision=float(100 * best_p),
        ods_recall=float(100 * best_r),
        ods_threshold=float(thr),
        oisF=float(100 * _f1(ois_p, ois_r)))


# -- saliency ----------------------------------------------------------------
def saliency_stats(pred, gt, thresholds: np.ndarray,
                   ignore_index: int = 255) -> np.ndarray:
    """True/false positive and negative counts at every threshold.

    Returns:
        np.ndarray: (4, T) ``tp, fp, fn, tn``.
    """
    pred = _np(pred).astype(np.float64).reshape(-1)
    gt = _np(gt).reshape(-1)
    keep = gt != ignore_index
    pred, gt = pred[keep], gt[keep] == 1
    pos = pred[None, :] >= np.asarray(thresholds)[:, None]
    tp = (pos & gt).sum(1)
    fp = (pos & ~gt).sum(1)
    fn = (~pos & gt).sum(1)
    tn = (~pos & ~gt).sum(1)
    return np.stack([tp, fp, fn, tn]).astype(np.float64)


def saliency_summary(stats: List[np.ndarray],
                     beta2: float = 0.3) -> Dict[str, float]:
    """maxF (beta^2 = 0.3) and max mIoU (mean of salient and background
    IoU) over the threshold grid, counts pooled over the set (percent)."""
    tp, fp, fn, tn = np.sum(np.stack(stats), axis=0)
    prec = tp / np.maximum(tp + fp, 1)
    rec = tp / np.maximum(tp + fn, 1)
    f = (1 + beta2) * prec * rec / np.maximum(beta2 * prec + rec, 1e-12)
    miou = 0.5 * (tp / np.maximum(tp + fp + fn, 1) +
                  tn / np.maximum(tn + fn + fp, 1))
    return dict(maxF=float(100 * f.max()), mIoU=float(100 * miou.max()))
