# Copyright (c) mmbin contributors. All rights reserved.
"""Metric values against hand computations on small arrays."""
import math

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmbin  # noqa: F401
from mmbin.evaluation.metrics import MultiTaskMetric, delta_m
from mmbin.evaluation.metrics import task_stats as ts


def _seg_pair():
    gt_a = np.array([[0, 0, 1], [1, 2, 255]])
    pr_a = np.array([[0, 1, 1], [1, 2, 2]])
    gt_b = np.array([[2, 2], [0, 1]])
    pr_b = np.array([[2, 0], [0, 0]])
    return (pr_a, gt_a), (pr_b, gt_b)


def test_miou_pooled_over_set():
    stats = [ts.label_stats(p, g, 3) for p, g in _seg_pair()]
    out = ts.label_summary(stats)
    # class 0: I=2, U=4+3-2; class 1: I=2, U=3+3-2; class 2: I=2, U=2+3-2
    iou = np.array([2 / 5, 2 / 4, 2 / 3])
    assert np.allclose(out['IoU'], iou)
    assert out['mIoU'] == pytest.approx(100 * iou.mean())
    assert out['aAcc'] == pytest.approx(100 * 6 / 9)
    # per-class accuracy (recall): 2/3, 2/3, 2/3
    assert out['mAcc'] == pytest.approx(100 * 2 / 3)


def test_depth_pooled_not_per_image_mean():
    a = ts.depth_stats(np.array([3., 2., 5.]), np.array([2., 2., 0.]))
    b = ts.depth_stats(
        np.array([1., 1., 1., 3., 7.]),
        np.array([1., 1., 1., 1., np.nan]))
    out = ts.depth_summary([a, b])
    pooled = math.sqrt((1 + 4) / 6)
    per_image = (math.sqrt(1 / 2) + math.sqrt(4 / 4)) / 2
    assert out['rmse'] == pytest.approx(pooled)
    assert out['rmse'] != pytest.approx(per_image)
    assert out['abs_rel'] == pytest.approx((0.5 + 2) / 6)
    assert out['delta1'] == pytest.approx(100 * 4 / 6)
    assert out['log_rmse'] == pytest.approx(
        math.sqrt((math.log(1.5)**2 + math.log(3)**2) / 6))
    # non-positive predictions are clamped, not dropped
    c = ts.depth_stats(np.array([0.0]), np.array([1.0]), min_pred=0.5)
    assert c[0] == 1 and c[1] == pytest.approx(0.25)


def _rot_x(deg, scale=1.0):
    t = math.radians(deg)
    return [0.0, scale * math.sin(t), scale * math.cos(t)]


def test_normal_angles_and_thresholds():
    degs = [0, 20, 29, 45, 180]
    pred = np.array([_rot_x(d, 3.0) for d in degs] + [[1, 0, 0]]).T
    gt = np.array([[0, 0, 1]] * 5 + [[0, 0, 0]]).T  # last one invalid
    ang = ts.normal_angles(pred.reshape(3, 2, 3), gt.reshape(3, 2, 3))
    assert np.allclose(ang, degs, atol=1e-6)
    out = ts.normal_summary([ts.normal_stats(pred, gt)])
    assert out['mean'] == pytest.approx(np.mean(degs))
    assert out['median'] == pytest.approx(29, abs=ts.NORMAL_HIST_BIN)
    assert out['rmse'] == pytest.approx(math.sqrt(np.mean(np.square(degs))))
    assert out['11.25'] == pytest.approx(20)
    assert out['22.5'] == pytest.approx(40)
    assert out['30'] == pytest.approx(60)


def test_normal_pooled_median_over_set():
    rng = np.random.default_rng(0)
    degs_a = rng.uniform(0, 60, 101)
    degs_b = rng.uniform(10, 90, 300)
    stats = []
    for degs in (degs_a, degs_b):
        pred = np.array([_rot_x(d) for d in degs]).T
        gt = np.tile(np.array([[0], [0], [1.]]), (1, len(degs)))
        stats.append(ts.normal_stats(pred, gt))
    out = ts.normal_summary(stats)
    both = np.concatenate([degs_a, degs_b])
    assert out['median'] == pytest.approx(np.median(both),
                                          abs=ts.NORMAL_HIST_BIN)
    assert out['mean'] == pytest.approx(both.mean())


def _line(rows, col, size=100):
    m = np.zeros((size, size), np.uint8)
    m[rows, col] = 1
    return m


@pytest.mark.parametrize('shift,expect', [(0, 100.0), (1, 100.0), (3, 0.0)])
def test_odsf_shifted_line(shift, expect):
    """maxDist 0.011 of a 100x100 diagonal is 1.56 pixels."""
    pytest.importorskip('pyEdgeEval')
    thr = ts.edge_thresholds(9)
    gt = _line(slice(10, 90), 50)
    pred = 0.9 * _line(slice(10, 90), 50 + shift).astype(float)
    out = ts.edge_summary([ts.edge_stats(pred, gt, thr, 0.011)], thr)
    assert out['odsF'] == pytest.approx(expect, abs=1e-6)


def test_odsf_half_recall_and_pooling():
    pytest.importorskip('pyEdgeEval')
    thr = ts.edge_thresholds(9)
    gt = _line(slice(10, 90), 50)
    half = 0.9 * _line(slice(10, 50), 50).astype(float)
    out = ts.edge_summary([ts.edge_stats(half, gt, thr)], thr)
    # precision 1, recall 1/2 -> F = 2/3
    assert out['ods_precision'] == pytest.approx(100)
    assert out['ods_recall'] == pytest.approx(50)
    assert out['odsF'] == pytest.approx(200 / 3)
    # a perfect image and an empty one pool to recall 1/2 as well
    perfect = ts.edge_stats(0.9 * gt.astype(float), gt, thr)
    empty = ts.edge_stats(np.zeros((100, 100)), gt, thr)
    out = ts.edge_summary([perfect, empty], thr)
    assert out['odsF'] == pytest.approx(200 / 3)
    assert out['oisF'] == pytest.approx(200 / 3)


def test_odsf_picks_threshold_and_honours_ignore():
    pytest.importorskip('pyEdgeEval')
    thr = ts.edge_thresholds(9)
    gt = _line(slice(10, 90), 50)
    pred = 0.7 * gt.astype(float)
    pred[5:90, 10] = 0.3  # weak false boundary far away
    out = ts.edge_summary([ts.edge_stats(pred, gt, thr)], thr)
    assert out['odsF'] == pytest.approx(100)
    assert 0.3 < out['ods_threshold'] <= 0.7
    gt_ign = gt.copy()
    gt_ign[:, :20] = 255  # the false boundary lies in an ignored region
    low = [0.1, 0.2]
    out = ts.edge_summary([ts.edge_stats(pred, gt_ign, low)], low)
    assert out['odsF'] == pytest.approx(100)


def test_saliency_maxf():
    st = ts.saliency_stats(
        np.array([0.9, 0.4, 0.6, 0.1, 0.9]), np.array([1, 1, 0, 0, 255]),
        [0.5])
    out = ts.saliency_summary([st])
    # tp 1, fp 1, fn 1, tn 1: P = R = 1/2
    assert out['maxF'] == pytest.approx(50)
    assert out['mIoU'] == pytest.approx(100 / 3)


def test_delta_m():
    res = {'seg/mIoU': 50.0, 'depth/rmse': 0.5, 'normal/mean': 22.0}
    base = {'seg/mIoU': 40.0, 'depth/rmse': 0.6, 'normal/mean': 20.0}
    expect = 100 * (10 / 40 + 0.1 / 0.6 - 2 / 20) / 3
    assert delta_m(res, base) == pytest.approx(expect)
    assert delta_m(res, {'seg/mIoU': 40.0}) == pytest.approx(25.0)
    with pytest.raises(KeyError, match='edge/odsF'):
        delta_m(res, {'edge/odsF': 70.0})


def _sample(k, pred_seg, gt_seg):
    s = SegDataSample(metainfo=dict(img_path=f'{k}.jpg'))
    t = torch.as_tensor
    s.pred_sem_seg = PixelData(data=t(pred_seg)[None])
    s.gt_sem_seg = PixelData(data=t(gt_seg)[None])
    depth = torch.full((1, ) + tuple(gt_seg.shape), 2.0)
    s.gt_depth_map = PixelData(data=depth)
    s.pred_depth_map = PixelData(data=depth + k)
    n = torch.zeros((3, ) + tuple(gt_seg.shape))
    n[2] = 1
    s.gt_normal_map = PixelData(data=n)
    s.pred_normal_map = PixelData(data=n)
    e = torch.zeros((1, ) + tuple(gt_seg.shape), dtype=torch.long)
    e[0, :, 1] = 1
    s.gt_edge_map = PixelData(data=e)
    s.pred_edge_map = PixelData(data=e.float() * 0.8)
    return s


def test_multitask_metric_end_to_end():
    from mmseg.registry import METRICS
    metric = METRICS.build(
        dict(type='MultiTaskMetric', edge_thresholds=5,
             delta_m_baseline={'seg/mIoU': 50.0, 'depth/rmse': 1.0}))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    (pa, ga), (pb, gb) = _seg_pair()
    samples = [_sample(0, pa, ga), _sample(1, pb, gb)]
    # the evaluator hands samples over as dicts; accept both forms
    metric.process({}, [samples[0].to_dict()])
    metric.process({}, [samples[1]])
    res = metric.evaluate(2)
    assert metric.tasks == ('seg', 'depth', 'normal', 'edge')
    for key in ('seg/mIoU', 'seg/aAcc', 'depth/rmse', 'depth/abs_rel',
                'depth/delta1', 'depth/log_rmse', 'normal/mean',
                'normal/median', 'normal/11.25', 'edge/odsF',
                'multitask/delta_m'):
        assert key in res, key
    miou = 100 * np.mean([2 / 5, 2 / 4, 2 / 3])
    assert res['seg/mIoU'] == pytest.approx(miou)
    # sample 0 exact, sample 1 off by 1 m on 4 of 10 valid pixels
    assert res['depth/rmse'] == pytest.approx(math.sqrt(4 / 10))
    assert res['normal/mean'] == pytest.approx(0, abs=1e-4)
    assert res['edge/odsF'] > 99
    expect = 100 * ((miou - 50) / 50 - (math.sqrt(0.4) - 1) / 1) / 2
    assert res['multitask/delta_m'] == pytest.approx(expect)


def test_metric_errors():
    metric = MultiTaskMetric(tasks=('seg', 'depth'))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    s = _sample(0, *_seg_pair()[0])
    del s.pred_depth_map
    with pytest.raises(KeyError, match='pred_depth_map'):
        metric.process({}, [s])
    s = _sample(0, *_seg_pair()[0])
    s.pred_depth_map = PixelData(data=torch.ones(1, 4, 4))
    with pytest.raises(ValueError, match=r'depth prediction of 0\.jpg'):
        metric.process({}, [s])
    with pytest.raises(ValueError, match='unknown tasks'):
        MultiTaskMetric(tasks=('segm', ))


def test_metric_with_prefix_and_subset():
    metric = MultiTaskMetric(tasks=('depth', ), prefix='val')
    metric.process({}, [_sample(1, *_seg_pair()[1])])
    res = metric.evaluate(1)
    assert set(res) == {'val/depth/rmse', 'val/depth/abs_rel',
                        'val/depth/delta1', 'val/depth/log_rmse'}
    assert res['val/depth/rmse'] == pytest.approx(1.0)
