# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny data for the end-to-end runs: a PASCAL_MT tree derived from the
synthetic NYUD scenes (the ``tiny_nyud`` fixture of tests/conftest.py)."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import scipy.io as sio


@pytest.fixture(scope='session')
def tiny_pascal(tiny_nyud, tmp_path_factory):
    """PASCAL_MT layout with every task, 48x64, from the NYUD stand-in:
    semseg = NYU-40 id mod 21, human parts = chairs/sofas/beds coloured by
    vertical thirds (other pixels background, images without such objects
    all ignore), saliency = objects nearer than 2.5 m, normals as PNG,
    boundaries from the NYU label map."""
    root = str(tmp_path_factory.mktemp('tiny_pascal'))
    for d in ('JPEGImages', 'semseg/VOC12', 'human_parts', 'sal_distill',
              'normals_distill', 'pascal-context/trainval',
              'ImageSets/Context'):
        os.makedirs(osp.join(root, d))
    for split in ('train', 'val'):
        with open(osp.join(tiny_nyud, 'gt_sets', f'{split}.txt')) as f:
            ids = [line.strip() for line in f if line.strip()]
        with open(osp.join(root, 'ImageSets', 'Context', f'{split}.txt'),
                  'w') as f:
            f.write('\n'.join(ids) + '\n')
        for i in ids:
            shutil.copy(
                osp.join(tiny_nyud, 'images', i + '.jpg'),
                osp.join(root, 'JPEGImages', i + '.jpg'))
            nyu = cv2.imread(
                osp.join(tiny_nyud, 'segmentation', i + '.png'),
                cv2.IMREAD_UNCHANGED).astype(np.int64)
            seg = np.where(nyu == 0, 255, nyu % 21).astype(np.uint8)
            cv2.imwrite(osp.join(root, 'semseg', 'VOC12', i + '.png'), seg)
            people = np.isin(nyu, [4, 5, 6])  # bed, chair, sofa
            parts = np.full(nyu.shape, 255, np.uint8)
            if people.any():
                rows = np.arange(nyu.shape[0])[:, None] * 3 // nyu.shape[0]
                parts[:] = 0
                parts[people] = (1 + rows.repeat(nyu.shape[1], 1))[people]
            cv2.imwrite(osp.join(root, 'human_parts', i + '.png'), parts)
            depth = np.load(osp.join(tiny_nyud, 'depth', i + '.npy'))
            sal = ((depth > 0) & (depth < 2.5)).astype(np.uint8) * 255
            cv2.imwrite(osp.join(root, 'sal_distill', i + '.png'), sal)
            normal = np.load(osp.join(tiny_nyud, 'normals', i + '.npy'))
            rgb = ((normal + 1) * 127.5).clip(0, 255).astype(np.uint8)
            cv2.imwrite(osp.join(root, 'normals_distill', i + '.png'),
                        rgb[..., ::-1])
            sio.savemat(
                osp.join(root, 'pascal-context', 'trainval', i + '.mat'),
                {'LabelMap': nyu.astype(np.uint16)})
    return root
