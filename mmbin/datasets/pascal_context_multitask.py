# Copyright (c) mmbin contributors. All rights reserved.
import json
import os.path as osp
from typing import Optional, Sequence, Union

import mmengine.fileio as fileio
from mmseg.registry import DATASETS

from .base_multitask import BaseMultiTaskDataset

PASCAL_VOC_CLASSES = ('background', 'aeroplane', 'bicycle', 'bird', 'boat',
                      'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
                      'diningtable', 'dog', 'horse', 'motorbike', 'person',
                      'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
PASCAL_VOC_PALETTE = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0],
                      [0, 0, 128], [128, 0, 128], [0, 128, 128],
                      [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0],
                      [192, 128, 0], [64, 0, 128], [192, 0, 128],
                      [64, 128, 128], [192, 128, 128], [0, 64, 0],
                      [128, 64, 0], [0, 192, 0], [128, 192, 0], [0, 64, 128]]
HUMAN_PART_CLASSES = ('background', 'head', 'torso', 'upper arm',
                      'lower arm', 'upper leg', 'lower leg')
HUMAN_PART_PALETTE = [[0, 0, 0], [220, 20, 60], [255, 127, 14],
                      [44, 160, 44], [148, 103, 189], [23, 190, 207],
                      [188, 189, 34]]


@DATASETS.register_module()
class PascalContextMultiTaskDataset(BaseMultiTaskDataset):
    """PASCAL-Context multi-task dataset (the ASTMT / MTI-Net / ATRC layout).

    ::

        PASCAL_MT/
        ├── JPEGImages/<id>.jpg
        ├── semseg/VOC12/<id>.png           21 classes, 255 ignore (used
        ├── semseg/pascal-context/<id>.png   first where present)
        ├── human_parts/<id>.mat | .png     7 classes (6 parts + bg)
        ├── sal_distill/<id>.png            saliency, 0..255
        ├── normals_distill/<id>.png        RGB = 255 * (n + 1) / 2
        ├── pascal-context/trainval/<id>.mat  ``LabelMap``: edges (and the
        │                                      normals mask)
        ├── json/{nyu,context}_classes.json  optional, see below
        └── ImageSets/Context/{train,val}.txt

    Conventions (same as NYUD): semantic labels 0..20 with 255 ignored;
    human parts 0..6 and, for images without any annotated person, all 255
    (ignored) so loss and metric see only images with people; saliency 0/1
    from ``value / 255 > 0.5``; edges from ``LabelMap`` discontinuities
    (Laplacian != 0, thinned); normals decoded from the PNG and, when the
    class lists ``json/nyu_classes.json`` and ``json/context_classes.json``
    are present under ``data_root`` (or ``normal_valid_labels`` is given),
    zeroed (invalid) outside the context classes that also exist in NYUD, as
    the distilled normals are only meaningful there.

    Args:
        ann_file (str): Split file. Defaults to
            ``'ImageSets/Context/train.txt'``.
        tasks (Sequence[str], optional): Subset of ``('seg', 'parts',
            'saliency', 'normal', 'edge')``. Defaults to all five.
        data_prefix (dict): Task folders; ``seg_map_path`` may be a list
            of folders tried in order per sample.
        normal_valid_labels (str | Sequence[int] | None): ``'auto'`` reads
            the json class lists if present, a sequence gives the valid
            ``LabelMap`` ids, None disables masking. Defaults to 'auto'.
        **kwargs: See :class:`BaseMultiTaskDataset`.

    References:
        - Mottaghi et al., "The Role of Context for Object Detection and
          Semantic Segmentation in the Wild", CVPR 2014 (not on arXiv).
          Dataset: https://cs.stanford.edu/~roozbeh/pascal-context/
        - Chen et al., "Detect What You Can: Detecting and Representing
          Objects using Holistic Models and Body Parts", CVPR 2014.
          https://arxiv.org/abs/1406.2031
        - Maninis et al., "Attentive Single-Tasking of Multiple Tasks",
          CVPR 2019. https://arxiv.org/abs/1904.08918
          Code: https://github.com/facebookresearch/astmt
    """

    METAINFO = dict(
        classes=PASCAL_VOC_CLASSES,
        palette=PASCAL_VOC_PALETTE,
        part_classes=HUMAN_PART_CLASSES,
        part_palette=HUMAN_PART_PALETTE)
    TASKS = ('seg', 'parts', 'saliency', 'normal', 'edge')
    DEFAULT_SUFFIXES = dict(seg='.png', parts='.mat', saliency='.png',
                            normal='.png', edge='.mat')
    RAW_LABEL_MAX = dict(seg=20, parts=6)

    def __init__(self,
                 ann_file: str = 'ImageSets/Context/train.txt',
                 data_prefix: dict = dict(
                     img_path='JPEGImages',
                     seg_map_path=['semseg/VOC12', 'semseg/pascal-context'],
                     parts_map_path='human_parts',
                     saliency_map_path='sal_distill',
                     normal_map_path='normals_distill',
                     edge_map_path='pascal-context/trainval'),
                 img_suffix: str = '.jpg',
                 normal_valid_labels: Union[str, Sequence[int],
                                            None] = 'auto',
                 **kwargs) -> None:
        data_prefix = dict(data_prefix)
        seg_dirs = data_prefix.get('seg_map_path')
        self._seg_dirs = list(seg_dirs) if isinstance(
            seg_dirs, (list, tuple)) else None
        if self._seg_dirs is not None:
            # BaseSegDataset joins plain strings only; join the list here.
            data_prefix['seg_map_path'] = self._seg_dirs[-1]
        self._normal_valid_cfg = normal_valid_labels
        super().__init__(
            ann_file=ann_file,
            data_prefix=data_prefix,
            img_suffix=img_suffix,
            seg_map_suffix=self.DEFAULT_SUFFIXES['seg'],
            reduce_zero_label=False,
            **kwargs)

    def _resolve(self, path: str) -> str:
        if self.data_root is None or osp.isabs(path):
            return path
        return osp.join(self.data_root, path)

    def _task_path(self, task: str, sample_id: str) -> str:
        if task == 'seg' and self._seg_dirs:
            candidates = [
                osp.join(self._resolve(d), sample_id + self.map_suffixes[task])
                for d in self._seg_dirs
            ]
            for c in candidates:
                if fileio.exists(c, self.backend_args):
                    return c
            return candidates[-1]  # reported as missing by the check
        if task == 'parts':
            # a pre-rendered PNG label map wins over the .mat annotation
            png = osp.join(self.data_prefix['parts_map_path'],
                           sample_id + '.png')
            if self.map_suffixes['parts'] == '.mat' and fileio.exists(
                    png, self.backend_args):
                return png
        return super()._task_path(task, sample_id)

    def _normal_labels(self) -> Optional[list]:
        if not hasattr(self, '_normal_labels_cache'):
            cfg = self._normal_valid_cfg
            labels = None
            if cfg == 'auto':
                root = self.data_root or ''
                nyu = osp.join(root, 'json', 'nyu_classes.json')
                ctx = osp.join(root, 'json', 'context_classes.json')
                if osp.isfile(nyu) and osp.isfile(ctx):
                    with open(nyu) as f:
                        cls_nyu = json.load(f)
                    with open(ctx) as f:
                        cls_ctx = json.load(f)
                    labels = [
                        cls_ctx[c] for c in cls_nyu
                        if c in cls_ctx and c != 'unknown'
                    ]
                    if 'tvmonitor' in cls_ctx:
                        labels.append(cls_ctx['tvmonitor'])
            elif cfg is not None:
                labels = [int(x) for x in cfg]
            self._normal_labels_cache = labels
        return self._normal_labels_cache

    def _extra_info(self, sample_id: str) -> dict:
        if 'normal' not in self.tasks:
            return {}
        labels = self._normal_labels()
        if labels is None:
            return {}
        label_dir = self.data_prefix.get('edge_map_path') or self._resolve(
            'pascal-context/trainval')
        return dict(
            normal_mask_path=osp.join(label_dir, sample_id + '.mat'),
            normal_valid_labels=labels)
