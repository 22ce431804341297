# Copyright (c) mmbin contributors. All rights reserved.
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from scipy import io as sio

from mmbin.datasets import (NYUDMultiTaskDataset,
                            PascalContextMultiTaskDataset)

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadMultiTaskAnnotations')]
PACK = LOAD + [dict(type='PackMultiTaskInputs')]


def test_nyud_loads_known_maps(nyud_tree):
    ds = NYUDMultiTaskDataset(data_root=nyud_tree, pipeline=LOAD)
    assert len(ds) == 3
    assert len(ds.metainfo['classes']) == 40
    assert ds.metainfo['classes'][0] == 'wall'
    assert len(ds.metainfo['palette']) == 40
    r = ds[1]
    h, w = 12, 16
    yy, xx = np.mgrid[0:h, 0:w]
    raw = (xx + yy + 1) % 41
    expect = np.where(raw == 0, 255, raw - 1)  # void -> ignore, 1..40 -> 0..
    assert np.array_equal(r['gt_seg_map'], expect)
    assert np.allclose(r['gt_depth_map'], 1 + xx / 10)
    assert np.allclose(r['gt_normal_map'][..., 0], 0.6)
    assert r['gt_edge_map'].dtype == np.uint8
    assert r['gt_edge_map'][:, w // 2].all() and r['gt_edge_map'].sum() == h
    assert r['seg_fields'] == ['gt_seg_map', 'gt_depth_map', 'gt_edge_map']
    assert r['normal_fields'] == ['gt_normal_map']
    assert r['sample_id'] == 'b'


def test_nyud_task_subset_and_packing(nyud_tree):
    ds = NYUDMultiTaskDataset(
        data_root=nyud_tree, tasks=('depth', 'normal'), pipeline=PACK)
    sample = ds[0]['data_samples']
    assert 'gt_sem_seg' not in sample and 'gt_edge_map' not in sample
    assert sample.gt_depth_map.data.shape == (1, 12, 16)
    assert sample.gt_depth_map.data.dtype == torch.float32
    assert sample.gt_normal_map.data.shape == (3, 12, 16)
    assert sample.metainfo['tasks'] == ('depth', 'normal')
    with pytest.raises(ValueError, match='subset'):
        NYUDMultiTaskDataset(data_root=nyud_tree, tasks=('parts', ))


def test_generated_data_through_pipeline(tiny_nyud):
    """The generator's output loads through the dataset and an augmenting
    multi-task pipeline into aligned, packed, preprocessed batches."""
    from mmseg.registry import MODELS
    pipeline = LOAD + [
        dict(type='RandomResize', scale=(64, 48), ratio_range=(0.5, 2.0),
             keep_ratio=True, resize_type='MultiTaskResize'),
        dict(type='MultiTaskRandomCrop', crop_size=(48, 64),
             cat_max_ratio=0.75),
        dict(type='MultiTaskRandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='PackMultiTaskInputs')
    ]
    for split, n in (('train', 8), ('val', 4)):
        ds = NYUDMultiTaskDataset(
            data_root=tiny_nyud, ann_file=f'gt_sets/{split}.txt',
            pipeline=pipeline)
        assert len(ds) == n
    batch = [ds[i] for i in range(4)]
    pre = MODELS.build(
        dict(type='MultiTaskDataPreProcessor', mean=[123.675, 116.28, 103.53],
             std=[58.395, 57.12, 57.375], bgr_to_rgb=True, size=(48, 64)))
    out = pre(dict(inputs=[b['inputs'] for b in batch],
                   data_samples=[b['data_samples'] for b in batch]), True)
    assert out['inputs'].shape == (4, 3, 48, 64)
    for s in out['data_samples']:
        seg = s.gt_sem_seg.data
        assert seg.shape == (1, 48, 64) and seg.dtype == torch.int64
        assert ((seg < 40) | (seg == 255)).all()
        d = s.gt_depth_map.data
        assert d.shape == (1, 48, 64) and torch.isfinite(d).all()
        nrm = s.gt_normal_map.data.norm(dim=0)
        assert torch.all(((nrm - 1).abs() < 1e-4) | (nrm == 0))
        valid = d[0] > 0
        assert torch.equal(valid, nrm > 0)  # padding is invalid in both
        e = s.gt_edge_map.data
        assert set(e.unique().tolist()) <= {0, 1, 255}


def _write_png(path, arr):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, arr)


def _parts_mat(path, masks):
    """A PASCAL-Part ``anno`` struct: objects with class_ind, mask, parts."""
    part_dt = [('part_name', 'O'), ('mask', 'O')]
    obj_dt = [('class', 'O'), ('class_ind', 'O'), ('mask', 'O'),
              ('parts', 'O')]
    objs = np.zeros((1, len(masks)), dtype=obj_dt)
    for k, (cls_ind, obj_mask, parts) in enumerate(masks):
        p = np.zeros((1, len(parts)), dtype=part_dt)
        for j, (name, m) in enumerate(parts):
            p[0, j] = (name, m.astype(np.uint8))
        objs[0, k] = ('x', np.array([[cls_ind]]), obj_mask.astype(np.uint8),
                      p)
    anno = np.zeros((1, 1), dtype=[('imname', 'O'), ('objects', 'O')])
    anno[0, 0] = ('img', objs)
    sio.savemat(path, {'anno': anno})


@pytest.fixture
def pascal_tree(tmp_path):
    root = str(tmp_path / 'pascal')
    h, w = 10, 12
    ids = ['2008_000001', '2008_000002']
    os.makedirs(osp.join(root, 'ImageSets', 'Context'))
    with open(osp.join(root, 'ImageSets', 'Context', 'train.txt'), 'w') as f:
        f.write('\n'.join(ids) + '\n')
    label = np.zeros((h, w), np.uint16)
    label[:, 6:] = 7
    label[6:, :] = 9
    for k, i in enumerate(ids):
        _write_png(osp.join(root, 'JPEGImages', i + '.jpg'),
                   np.full((h, w, 3), 100, np.uint8))
        seg = np.full((h, w), 15, np.uint8)
        seg[0, 0] = 255
        sub = 'VOC12' if k == 0 else 'pascal-context'
        _write_png(osp.join(root, 'semseg', sub, i + '.png'), seg + k)
        sal = np.zeros((h, w), np.uint8)
        sal[:5] = 200
        _write_png(osp.join(root, 'sal_distill', i + '.png'), sal)
        nrm = np.zeros((h, w, 3), np.uint8)
        nrm[...] = (128, 128, 255)  # RGB of n = (0, 0, 1)
        _write_png(osp.join(root, 'normals_distill', i + '.png'),
                   nrm[..., ::-1])
        os.makedirs(osp.join(root, 'pascal-context', 'trainval'),
                    exist_ok=True)
        sio.savemat(
            osp.join(root, 'pascal-context', 'trainval', i + '.mat'),
            {'LabelMap': label})
    os.makedirs(osp.join(root, 'human_parts'))
    head = np.zeros((h, w), bool)
    head[:3, :3] = True
    leg = np.zeros((h, w), bool)
    leg[8:, 4:6] = True
    _parts_mat(
        osp.join(root, 'human_parts', ids[0] + '.mat'),
        [(15, head | leg, [('hair', head), ('rlleg', leg)]),
         (12, np.ones((h, w)), [])])
    _parts_mat(osp.join(root, 'human_parts', ids[1] + '.mat'),
               [(12, np.ones((h, w)), [])])
    os.makedirs(osp.join(root, 'json'))
    with open(osp.join(root, 'json', 'nyu_classes.json'), 'w') as f:
        json.dump(['wall', 'floor', 'unknown'], f)
    with open(osp.join(root, 'json', 'context_classes.json'), 'w') as f:
        json.dump({'wall': 7, 'floor': 30, 'tvmonitor': 0}, f)
    return root


def test_pascal_loads_every_task(pascal_tree):
    ds = PascalContextMultiTaskDataset(
        data_root=pascal_tree, pipeline=PACK)
    assert len(ds.metainfo['classes']) == 21
    assert len(ds.metainfo['part_classes']) == 7
    assert ds.get_data_info(0)['seg_map_path'].endswith(
        osp.join('VOC12', '2008_000001.png'))
    assert ds.get_data_info(1)['seg_map_path'].endswith(
        osp.join('pascal-context', '2008_000002.png'))
    s0, s1 = ds[0]['data_samples'], ds[1]['data_samples']
    seg = s0.gt_sem_seg.data[0]
    assert seg[0, 0] == 255 and seg[5, 5] == 15
    assert s1.gt_sem_seg.data[0, 5, 5] == 16
    parts = s0.gt_parts.data[0]
    assert parts[0, 0] == 1 and parts[9, 4] == 6 and parts[5, 9] == 0
    assert (s1.gt_parts.data == 255).all()  # no person: ignored
    sal = s0.gt_saliency.data[0]
    assert sal[:5].eq(1).all() and sal[5:].eq(0).all()
    # normals kept on LabelMap ids {7 (wall), 0 (tvmonitor)}, not 9
    n = s0.gt_normal_map.data
    assert torch.allclose(n[:, 0, 0], torch.tensor([0., 0., 1.]), atol=0.01)
    assert torch.allclose(n[:, 0, 8], torch.tensor([0., 0., 1.]), atol=0.01)
    assert (n[:, 8, 8] == 0).all()
    # edges: thinned LabelMap boundaries, one pixel wide near row 6 / col 6
    e = s0.gt_edge_map.data[0].numpy()
    assert set(np.unique(e)) == {0, 1}
    # the two-pixel Laplacian bands around 0 | 7 (column 5/6) and 0, 7 / 9
    # (row 5/6), thinned to one-pixel curves (ends shortened by thinning)
    expect = np.zeros((10, 12), np.uint8)
    expect[1:6, 5] = 1
    expect[5, 6] = 1
    expect[6, 0:5] = 1
    expect[6, 7:11] = 1
    assert np.array_equal(e, expect), e


def test_pascal_without_class_lists(pascal_tree):
    os.remove(osp.join(pascal_tree, 'json', 'nyu_classes.json'))
    ds = PascalContextMultiTaskDataset(
        data_root=pascal_tree, tasks=('normal', 'parts'), pipeline=PACK)
    n = ds[0]['data_samples'].gt_normal_map.data
    assert (n.norm(dim=0) > 0.99).all()  # no masking
    assert 'normal_mask_path' not in ds.get_data_info(0)


def test_nyud_png_variant_of_the_layout(nyud_tree):
    """The ATRC release stores images, normals and edges as PNG."""
    for i in ('a', 'b', 'c'):
        img = cv2.imread(osp.join(nyud_tree, 'images', i + '.jpg'))
        os.remove(osp.join(nyud_tree, 'images', i + '.jpg'))
        cv2.imwrite(osp.join(nyud_tree, 'images', i + '.png'), img)
        n = np.load(osp.join(nyud_tree, 'normals', i + '.npy'))
        os.remove(osp.join(nyud_tree, 'normals', i + '.npy'))
        rgb = np.rint((n + 1) * 127.5).astype(np.uint8)
        rgb[0, 0] = 0  # black and grey code no unit vector: invalid
        rgb[0, 1] = 128
        cv2.imwrite(osp.join(nyud_tree, 'normals', i + '.png'), rgb[..., ::-1])
        e = np.load(osp.join(nyud_tree, 'edge', i + '.npy'))
        os.remove(osp.join(nyud_tree, 'edge', i + '.npy'))
        cv2.imwrite(osp.join(nyud_tree, 'edge', i + '.png'),
                    (e * 255).astype(np.uint8))
    ds = NYUDMultiTaskDataset(data_root=nyud_tree, pipeline=LOAD)
    assert ds.get_data_info(0)['img_path'].endswith('a.png')
    r = ds[0]
    n = r['gt_normal_map']
    assert np.all(n[0, :2] == 0)
    assert np.allclose(n[1:, :, 0], 0.6, atol=0.01)
    assert np.allclose(n[1:, :, 2], -0.8, atol=0.01)
    assert r['gt_edge_map'][:, 8].all() and r['gt_edge_map'].sum() == 12
