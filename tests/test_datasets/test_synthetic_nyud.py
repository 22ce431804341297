# Copyright (c) mmbin contributors. All rights reserved.
import filecmp
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from mmbin.datasets.synthetic import (generate_synthetic_nyud,
                                      nyu_intrinsics, render_synthetic_scene,
                                      thin_boundaries)

SIZE = (48, 64)


def test_layout_and_formats(tiny_nyud):
    root = tiny_nyud
    train = open(osp.join(root, 'gt_sets', 'train.txt')).read().split()
    val = open(osp.join(root, 'gt_sets', 'val.txt')).read().split()
    assert len(train) == 8 and len(val) == 4 and not set(train) & set(val)
    for i in train[:2] + val[:1]:
        img = cv2.imread(osp.join(root, 'images', i + '.jpg'))
        seg = cv2.imread(osp.join(root, 'segmentation', i + '.png'),
                         cv2.IMREAD_UNCHANGED)
        depth = np.load(osp.join(root, 'depth', i + '.npy'))
        normal = np.load(osp.join(root, 'normals', i + '.npy'))
        edge = np.load(osp.join(root, 'edge', i + '.npy'))
        assert img.shape == SIZE + (3, )
        assert seg.shape == SIZE and seg.dtype == np.uint8 and seg.max() <= 40
        assert depth.shape == SIZE and depth.dtype == np.float32
        assert normal.shape == SIZE + (3, ) and normal.dtype == np.float32
        assert edge.shape == SIZE and set(np.unique(edge)) <= {0, 1}


def test_deterministic_and_independent_of_workers(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    generate_synthetic_nyud(a, 3, 1, size=SIZE, seed=7)
    generate_synthetic_nyud(b, 4, 1, size=SIZE, seed=7, workers=2)
    for sub, ext in (('images', '.jpg'), ('segmentation', '.png'),
                     ('depth', '.npy'), ('normals', '.npy'),
                     ('edge', '.npy')):
        for i in ('train_000000', 'train_000002', 'val_000000'):
            assert filecmp.cmp(
                osp.join(a, sub, i + ext), osp.join(b, sub, i + ext),
                shallow=False), (sub, i)
    c = render_synthetic_scene([8, 0, 0], SIZE)
    d = render_synthetic_scene([7, 0, 0], SIZE)
    assert not np.array_equal(c['depth'], d['depth'])


def test_geometry_is_exact():
    """Depth, normals and intrinsics agree: back-projected neighbours of a
    pixel inside a planar region span a plane orthogonal to its normal."""
    h, w = 120, 160
    fx, fy, cx, cy = nyu_intrinsics(h, w)
    checked = 0
    for seed in range(3):
        s = render_synthetic_scene([seed, 0, 0], (h, w))
        depth, n = s['depth'].astype(np.float64), s['normal']
        assert np.all(np.isfinite(depth)) and depth.min() > 0.05
        assert depth.max() < 15
        assert np.allclose(np.linalg.norm(n, axis=-1), 1, atol=1e-4)
        yy, xx = np.mgrid[0:h, 0:w]
        pts = np.stack([(xx + 0.5 - cx) / fx * depth,
                        (yy + 0.5 - cy) / fy * depth, depth], -1)
        # normals face the camera: n . (viewing ray) < 0
        assert np.mean(np.sum(n * pts, -1) < 0) > 0.999
        inst = s['instance']
        # interior pixels: same instance and same normal in a 3x3 window
        same = np.ones((h - 2, w - 2), bool)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                sl = (slice(1 + dy, h - 1 + dy), slice(1 + dx, w - 1 + dx))
                same &= inst[sl] == inst[1:-1, 1:-1]
                same &= np.all(np.abs(n[sl] - n[1:-1, 1:-1]) < 1e-4, -1)
        tx = pts[1:-1, 2:] - pts[1:-1, :-2]
        ty = pts[2:, 1:-1] - pts[:-2, 1:-1]
        nc = n[1:-1, 1:-1]
        cos_x = np.abs(np.sum(tx * nc, -1)) / np.linalg.norm(tx, axis=-1)
        cos_y = np.abs(np.sum(ty * nc, -1)) / np.linalg.norm(ty, axis=-1)
        assert np.percentile(cos_x[same], 99) < 1e-3
        assert np.percentile(cos_y[same], 99) < 1e-3
        checked += same.sum()
    assert checked > 10000


def test_semantics_and_boundaries():
    classes, thin_ok = set(), True
    for seed in range(6):
        s = render_synthetic_scene([3, 0, seed], (96, 128))
        classes |= set(np.unique(s['seg']).tolist())
        edge = s['edge'].astype(bool)
        thin_ok &= np.array_equal(thin_boundaries(edge), edge)
        inst = s['instance']
        # instance changes lie within two pixels of a boundary (thinning
        # moves a boundary to the middle of the two-pixel band, and shrinks
        # objects a few pixels wide to their skeleton)
        change = np.zeros_like(edge)
        change[:, 1:] |= inst[:, 1:] != inst[:, :-1]
        change[1:] |= inst[1:] != inst[:-1]
        near = cv2.dilate(edge.astype(np.uint8), np.ones((5, 5), np.uint8))
        assert near[change].mean() > 0.97
        assert edge.sum() < change.sum() * 1.2  # thin, not a double band
    assert thin_ok
    assert {1, 2}.issubset(classes)  # wall, floor
    assert len(classes - {0}) >= 8


def test_thinning_matches_pyedgeeval():
    pytest.importorskip('pyEdgeEval')
    from pyEdgeEval.preprocess import binary_thin
    rng = np.random.default_rng(0)
    blobs = rng.random((40, 50)) < 0.4
    ours = thin_boundaries(blobs)
    assert (ours != binary_thin(blobs)).sum() <= 2
    assert np.array_equal(binary_thin(ours), ours)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='num_train'):
        generate_synthetic_nyud(str(tmp_path), -1, 1)
    with pytest.raises(ValueError, match='size'):
        generate_synthetic_nyud(str(tmp_path), 1, 1, size=(4, 64))


def test_cli(tmp_path, repo_root, monkeypatch, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'make_synthetic_nyud',
        osp.join(repo_root, 'tools', 'dataset_converters',
                 'make_synthetic_nyud.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'cli'
    monkeypatch.setattr(sys, 'argv', [
        'make_synthetic_nyud.py', '--out',
        str(out), '--num-train', '2', '--num-val', '1', '--size', '32', '48',
        '--seed', '3', '--workers', '1'
    ])
    tool.main()
    assert 'scenes/min' in capsys.readouterr().out
    assert open(out / 'gt_sets' / 'train.txt').read().split() == [
        'train_000000', 'train_000001']
    assert np.load(out / 'depth' / 'val_000000.npy').shape == (32, 48)
    ref = render_synthetic_scene([3, 1, 0], (32, 48))
    assert np.array_equal(np.load(out / 'depth' / 'val_000000.npy'),
                          ref['depth'])
