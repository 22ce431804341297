# Copyright (c) mmbin contributors. All rights reserved.
"""Small hand-made multi-task trees for the dataset tests."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest


def write_nyud_tree(root, ids=('a', 'b', 'c'), size=(12, 16), split='train'):
    """NYUD_MT tree with known maps: sample k has seg ``(x + y + k) % 41``,
    depth ``1 + x / 10``, normals facing the camera and a vertical edge."""
    h, w = size
    for sub in ('images', 'segmentation', 'depth', 'normals', 'edge',
                'gt_sets'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    yy, xx = np.mgrid[0:h, 0:w]
    for k, i in enumerate(ids):
        img = np.stack([xx * 10 % 256, yy * 10 % 256,
                        np.full_like(xx, 40 * k)], -1).astype(np.uint8)
        cv2.imwrite(osp.join(root, 'images', i + '.jpg'), img)
        cv2.imwrite(
            osp.join(root, 'segmentation', i + '.png'),
            ((xx + yy + k) % 41).astype(np.uint8))
        np.save(osp.join(root, 'depth', i + '.npy'),
                (1 + xx / 10).astype(np.float32))
        n = np.zeros((h, w, 3), np.float32)
        n[..., 0], n[..., 2] = 0.6, -0.8
        np.save(osp.join(root, 'normals', i + '.npy'), n)
        e = np.zeros((h, w), np.float32)
        e[:, w // 2] = 1
        np.save(osp.join(root, 'edge', i + '.npy'), e)
    with open(osp.join(root, 'gt_sets', split + '.txt'), 'w') as f:
        f.write('\n'.join(ids) + '\n')
    return root


@pytest.fixture
def nyud_tree(tmp_path):
    return write_nyud_tree(str(tmp_path / 'nyud'))


@pytest.fixture(scope='session', autouse=True)
def _mmseg_scope():
    import mmbin  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
