# Copyright (c) mmbin contributors. All rights reserved.
"""Writing synthetic samples in the NYUD_MT layout.

Layout under the output root: ``images/<id>.jpg`` (RGB as JPEG),
``segmentation/<id>.png`` (uint8 NYU-40 ids, 0 void), ``depth/<id>.npy``
(float32 metres), ``normals/<id>.npy`` (HxWx3 float32), ``edge/<id>.npy``
(HxW uint8 0/1) and ``gt_sets/{train,val}.txt`` (one id a line), the
layout :class:`~mmbin.datasets.NYUDMultiTaskDataset` reads.
"""
import os
import os.path as osp
from typing import Dict, List

import numpy as np

__all__ = ['make_layout', 'write_sample', 'write_split_files']

_FOLDERS = ('images', 'segmentation', 'depth', 'normals', 'edge', 'gt_sets')


def make_layout(out_dir: str) -> None:
    """Create the layout's folders under ``out_dir`` (kept if present).

    Args:
        out_dir (str): Output root.
    """
    for sub in _FOLDERS:
        os.makedirs(osp.join(out_dir, sub), exist_ok=True)


def write_sample(out_dir: str, name: str, sample: dict,
                 jpeg_quality: int) -> None:
    """Write one sample's image and task maps.

    Args:
        out_dir (str): Output root (from :func:`make_layout`).
        name (str): Sample id.
        sample (dict): ``img`` (H, W, 3) uint8 RGB, ``seg``, ``depth``,
            ``normal`` and ``edge`` maps.
        jpeg_quality (int): JPEG quality of the image.
    """
    import cv2
    cv2.imwrite(osp.join(out_dir, 'images', name + '.jpg'),
                np.ascontiguousarray(sample['img'][..., ::-1]),
                [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    cv2.imwrite(osp.join(out_dir, 'segmentation', name + '.png'),
                sample['seg'])
    np.save(osp.join(out_dir, 'depth', name + '.npy'), sample['depth'])
    np.save(osp.join(out_dir, 'normals', name + '.npy'), sample['normal'])
    np.save(osp.join(out_dir, 'edge', name + '.npy'), sample['edge'])


def write_split_files(out_dir: str, ids: Dict[str, List[str]]) -> None:
    """Write ``gt_sets/<split>.txt`` for the ``train`` and ``val`` splits
    (and ``test`` when ``ids`` has it).

    Args:
        out_dir (str): Output root.
        ids (dict[str, list[str]]): Sample ids per split, in order.
    """
    for split in ('train', 'val') + (('test', ) if 'test' in ids else ()):
        with open(osp.join(out_dir, 'gt_sets', split + '.txt'), 'w') as f:
            f.write(''.join(i + '\n' for i in ids[split]))
