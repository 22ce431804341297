# Copyright (c) mmbin contributors. All rights reserved.
"""Every map stays aligned with the image through the geometric transforms.

Each pixel of the fixture carries its id ``k = y * W + x`` in every map
(image channels, depth, labels, edges, normals), so after any resize, crop
or flip the maps must still decode to the same id at every pixel.
"""
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmbin.models.data_preprocessor import (MultiTaskDataPreProcessor,
                                            stack_multitask_batch)

H, W = 20, 30


def _normal_of(k):
    """A distinct unit normal per id, with non-zero x."""
    a = k * 0.37
    n = np.stack([np.cos(a) * 0.6, np.sin(a) * 0.6, np.full_like(a, -0.8)],
                 -1)
    return n.astype(np.float32)


def _sample():
    k = np.arange(H * W, dtype=np.int64).reshape(H, W)
    img = np.stack([k % 256, k // 256, np.zeros_like(k)], -1).astype(np.uint8)
    normal = _normal_of(k.astype(np.float64))
    normal[0, 0] = 0  # one invalid normal
    return dict(
        img=img, img_shape=(H, W), ori_shape=(H, W),
        gt_seg_map=(k % 40).astype(np.uint8),
        gt_depth_map=(1 + k * 0.01).astype(np.float32),
        gt_edge_map=(k % 2).astype(np.uint8),
        gt_normal_map=normal,
        seg_fields=['gt_seg_map', 'gt_depth_map', 'gt_edge_map'],
        normal_fields=['gt_normal_map'])


def _check_aligned(r, flipped=None):
    img = r['img'].astype(np.int64)
    k = img[..., 0] + 256 * img[..., 1]
    depth = r['gt_depth_map']
    k_depth = np.rint((depth - 1) / 0.01).astype(np.int64)
    assert np.array_equal(k, k_depth)  # image and depth agree
    assert np.array_equal(r['gt_seg_map'], (k % 40).astype(np.uint8))
    assert np.array_equal(r['gt_edge_map'], (k % 2).astype(np.uint8))
    n = r['gt_normal_map']
    expect = _normal_of(k.astype(np.float64))
    if flipped == 'horizontal':
        expect[..., 0] *= -1
    elif flipped == 'vertical':
        expect[..., 1] *= -1
    invalid = k == 0
    assert np.allclose(n[~invalid], expect[~invalid], atol=1e-5)
    assert np.all(n[invalid] == 0)
    # depth values are the original ones (nearest, metres not rescaled)
    assert np.allclose(depth, 1 + k * 0.01, atol=1e-5)


@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
def test_flip_negates_normal_component(direction):
    flip = Compose([dict(type='MultiTaskRandomFlip', prob=1.0,
                         direction=direction)])
    r = flip(_sample())
    assert r['flip'] and r['flip_direction'] == direction
    _check_aligned(r, flipped=direction)
    # the pixel at the left edge came from the right edge
    if direction == 'horizontal':
        assert r['img'][0, 0, 0] == W - 1


@pytest.mark.parametrize('scale', [(45, 30), (17, 11), (30, 20)])
def test_resize_nearest_keeps_values(scale):
    t = Compose([dict(type='MultiTaskResize', scale=scale, keep_ratio=False,
                      interpolation='nearest')])
    r = t(_sample())
    assert r['img'].shape[:2] == (scale[1], scale[0])
    for key in ('gt_seg_map', 'gt_depth_map', 'gt_edge_map',
                'gt_normal_map'):
        assert r[key].shape[:2] == (scale[1], scale[0]), key
    _check_aligned(r)
    nrm = np.linalg.norm(r['gt_normal_map'], axis=-1)
    assert np.all((np.abs(nrm - 1) < 1e-5) | (nrm == 0))


def test_bilinear_normals_are_renormalised():
    t = Compose([dict(type='MultiTaskResize', scale=(61, 41),
                      normal_interpolation='bilinear',
                      depth_interpolation='bilinear')])
    r = t(_sample())
    nrm = np.linalg.norm(r['gt_normal_map'], axis=-1)
    assert np.all((np.abs(nrm - 1) < 1e-5) | (nrm == 0))
    assert (nrm > 0).mean() > 0.99
    d = r['gt_depth_map']
    assert d.min() >= 1 and d.max() <= 1 + (H * W - 1) * 0.01 + 1e-4


def test_random_scale_crop_flip_stay_aligned():
    pipeline = Compose([
        dict(type='RandomResize', scale=(W, H), ratio_range=(0.5, 2.0),
             keep_ratio=True, resize_type='MultiTaskResize',
             interpolation='nearest'),
        dict(type='MultiTaskRandomCrop', crop_size=(13, 17),
             cat_max_ratio=0.9),
        dict(type='MultiTaskRandomFlip', prob=0.5),
    ])
    np.random.seed(0)
    seen_flip = set()
    for _ in range(12):
        r = pipeline(_sample())
        assert r['img'].shape[:2] == r['gt_normal_map'].shape[:2]
        assert r['img'].shape[0] <= 13 and r['img'].shape[1] <= 17
        _check_aligned(r, flipped=r['flip_direction'] if r['flip'] else None)
        seen_flip.add(r['flip'])
    assert seen_flip == {True, False}


def test_crop_without_semantic_map():
    s = _sample()
    del s['gt_seg_map']
    s['seg_fields'].remove('gt_seg_map')
    r = Compose([dict(type='MultiTaskRandomCrop', crop_size=(5, 6),
                      cat_max_ratio=0.5)])(s)
    assert r['gt_depth_map'].shape == (5, 6)
    assert r['gt_normal_map'].shape == (5, 6, 3)


def test_photometric_changes_image_only():
    s = _sample()
    s['img'] = np.full((H, W, 3), 120, np.uint8)
    ref = _sample()
    np.random.seed(1)
    r = Compose([dict(type='PhotoMetricDistortion', brightness_delta=60)])(s)
    for key in ('gt_seg_map', 'gt_depth_map', 'gt_edge_map',
                'gt_normal_map'):
        assert np.array_equal(r[key], ref[key])


def test_pack_fields_and_misuse_errors():
    pack = Compose([dict(type='PackMultiTaskInputs')])
    s = _sample()
    s['img_path'] = 'x.jpg'
    out = pack(s)
    d = out['data_samples']
    assert out['inputs'].shape == (3, H, W)
    assert d.gt_sem_seg.data.shape == (1, H, W)
    assert d.gt_sem_seg.data.dtype == torch.int64
    assert d.gt_depth_map.data.dtype == torch.float32
    assert d.gt_normal_map.data.shape == (3, H, W)
    assert d.gt_edge_map.data.dtype == torch.int64
    # mmseg's RandomFlip flips the image and label maps but not normals
    flipped = Compose([dict(type='RandomFlip', prob=1.0)])(_sample())
    with pytest.raises(ValueError, match='MultiTaskRandomFlip'):
        pack(flipped)
    # mmseg's RandomCrop crops the label maps but not the normals
    cropped = Compose([dict(type='RandomCrop', crop_size=(5, 5))])(_sample())
    with pytest.raises(ValueError, match='gt_normal_map'):
        pack(cropped)


def _packed_sample(h, w):
    s = SegDataSample()
    s.gt_sem_seg = PixelData(data=torch.zeros(1, h, w, dtype=torch.long))
    s.gt_depth_map = PixelData(data=torch.ones(1, h, w))
    s.gt_normal_map = PixelData(data=torch.ones(3, h, w))
    s.gt_edge_map = PixelData(data=torch.zeros(1, h, w, dtype=torch.long))
    s.gt_parts = PixelData(data=torch.zeros(1, h, w, dtype=torch.long))
    return s


def test_preprocessor_pads_each_map_with_its_invalid_value():
    pre = MultiTaskDataPreProcessor(mean=[0, 0, 0], std=[1, 1, 1],
                                    size_divisor=8, pad_val=7)
    data = dict(inputs=[torch.ones(3, 5, 6, dtype=torch.uint8),
                        torch.ones(3, 9, 4, dtype=torch.uint8)],
                data_samples=[_packed_sample(5, 6), _packed_sample(9, 4)])
    out = pre(data, training=True)
    assert out['inputs'].shape == (2, 3, 16, 8)
    assert out['inputs'][0, 0, 10, 7] == 7
    s = out['data_samples'][0]
    assert s.gt_sem_seg.data.shape == (1, 16, 8)
    assert s.gt_sem_seg.data[0, 10, 7] == 255
    assert s.gt_edge_map.data[0, 10, 7] == 255
    assert s.gt_parts.data[0, 10, 7] == 255
    assert s.gt_depth_map.data[0, 10, 7] == 0
    assert torch.all(s.gt_normal_map.data[:, 10, 7] == 0)
    assert torch.all(s.gt_normal_map.data[:, 4, 5] == 1)
    assert s.metainfo['img_shape'] == (5, 6)
    assert s.metainfo['pad_shape'] == (16, 8)
    # no size and no divisor: pad to the largest sample
    imgs, _ = stack_multitask_batch(
        [torch.zeros(3, 5, 6), torch.zeros(3, 9, 4)],
        [_packed_sample(5, 6), _packed_sample(9, 4)])
    assert imgs.shape == (2, 3, 9, 6)
