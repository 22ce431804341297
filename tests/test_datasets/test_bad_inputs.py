# Copyright (c) mmbin contributors. All rights reserved.
"""Broken archives fail with errors that name the file and the problem."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmbin.datasets import NYUDMultiTaskDataset
from mmbin.datasets.transforms import MultiTaskDataError

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadMultiTaskAnnotations')]


def _ds(root, **kwargs):
    return NYUDMultiTaskDataset(data_root=root, pipeline=LOAD, **kwargs)


def test_missing_split_file(nyud_tree):
    os.remove(osp.join(nyud_tree, 'gt_sets', 'train.txt'))
    with pytest.raises(FileNotFoundError, match=r'train\.txt.*not found'):
        _ds(nyud_tree)


def test_empty_split_file(nyud_tree):
    open(osp.join(nyud_tree, 'gt_sets', 'train.txt'), 'w').write('\n\n')
    with pytest.raises(ValueError, match=r'train\.txt.*empty'):
        _ds(nyud_tree)


def test_missing_file_at_construction(nyud_tree):
    os.remove(osp.join(nyud_tree, 'normals', 'b.npy'))
    with pytest.raises(FileNotFoundError, match=r'(?s)1 file.*normals/b\.npy'):
        _ds(nyud_tree)
    # not checked when the task is not loaded
    assert len(_ds(nyud_tree, tasks=('seg', 'depth', 'edge'))) == 3


def test_missing_file_at_load_time(nyud_tree):
    ds = _ds(nyud_tree, check_files=False)
    os.remove(osp.join(nyud_tree, 'depth', 'c.npy'))
    with pytest.raises(FileNotFoundError, match=r'depth/c\.npy'):
        ds[2]


def test_corrupt_image(nyud_tree):
    path = osp.join(nyud_tree, 'images', 'a.jpg')
    open(path, 'wb').write(b'\xff\xd8 not a jpeg')
    with pytest.raises(Exception, match=r'images/a\.jpg'):
        _ds(nyud_tree)[0]


@pytest.mark.parametrize('sub,name', [('segmentation', 'a.png'),
                                      ('depth', 'a.npy'),
                                      ('normals', 'a.npy'),
                                      ('edge', 'a.npy')])
def test_corrupt_maps(nyud_tree, sub, name):
    open(osp.join(nyud_tree, sub, name), 'wb').write(b'garbage' * 3)
    with pytest.raises(MultiTaskDataError,
                       match=f'{sub}/{name}.*(corrupt|decode)'):
        _ds(nyud_tree)[0]


def test_map_size_differs_from_image(nyud_tree):
    np.save(osp.join(nyud_tree, 'depth', 'b.npy'),
            np.ones((12, 15), np.float32))
    with pytest.raises(MultiTaskDataError,
                       match=r'depth/b\.npy.*12x15.*images/b\.jpg.*12x16'):
        _ds(nyud_tree)[1]


def test_class_id_out_of_range(nyud_tree):
    seg = np.zeros((12, 16), np.uint8)
    seg[3, 4] = 41
    seg[5, 5] = 99
    cv2.imwrite(osp.join(nyud_tree, 'segmentation', 'c.png'), seg)
    with pytest.raises(MultiTaskDataError,
                       match=r'segmentation/c\.png.*\[41, 99\].*0\.\.40'):
        _ds(nyud_tree)[2]


def test_colour_label_map_rejected(nyud_tree):
    cv2.imwrite(osp.join(nyud_tree, 'segmentation', 'a.png'),
                np.zeros((12, 16, 3), np.uint8) + (1, 2, 3))
    with pytest.raises(MultiTaskDataError, match='single-channel'):
        _ds(nyud_tree)[0]


def test_non_finite_depth_and_zero_normals_become_invalid(nyud_tree):
    d = np.full((12, 16), 2.0, np.float32)
    d[0, 0], d[0, 1], d[0, 2], d[0, 3] = np.nan, np.inf, -np.inf, -1
    np.save(osp.join(nyud_tree, 'depth', 'a.npy'), d)
    n = np.zeros((12, 16, 3), np.float32)
    n[..., 2] = -2.0  # not unit: renormalised
    n[1, 1] = 0  # zero length: invalid
    n[1, 2] = np.nan  # non-finite: invalid
    n[1, 3] = 1e-9  # numerically zero: invalid
    np.save(osp.join(nyud_tree, 'normals', 'a.npy'), n)
    r = _ds(nyud_tree)[0]
    depth = r['gt_depth_map']
    assert np.all(depth[0, :4] == 0) and np.all(depth[0, 4:] == 2)
    nrm = r['gt_normal_map']
    assert np.all(nrm[1, 1:4] == 0)
    assert np.allclose(nrm[0, 0], [0, 0, -1])
    assert np.isfinite(nrm).all()


def test_wrong_shapes_of_arrays(nyud_tree):
    np.save(osp.join(nyud_tree, 'normals', 'a.npy'),
            np.ones((12, 16), np.float32))
    with pytest.raises(MultiTaskDataError,
                       match=r'normals/a\.npy.*\(H, W, 3\)'):
        _ds(nyud_tree)[0]
