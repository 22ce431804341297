# Copyright (c) mmbin contributors. All rights reserved.
from mmseg.registry import DATASETS

from .base_multitask import BaseMultiTaskDataset
from .nyu40 import NYU40_CLASSES, NYU40_PALETTE


@DATASETS.register_module()
class NYUDMultiTaskDataset(BaseMultiTaskDataset):
    """NYUD-v2 multi-task dataset in the NYUD_MT layout.

    The layout of the archive used by MTI-Net, ATRC and InvPT (and written
    by ``tools/dataset_converters/make_synthetic_nyud.py``)::

        NYUD_MT/
        ├── images/<id>.jpg
        ├── segmentation/<id>.png   40 NYU classes as ids 1..40, 0 = void
        ├── depth/<id>.npy          HxW float metres, 0 = invalid
        ├── normals/<id>.npy        HxWx3 float, zero vector = invalid
        ├── edge/<id>.npy           HxW 0/1
        └── gt_sets/{train,val}.txt one id per line

    The ATRC release of the same archive (``NYUDv2.tar.gz``) has PNG
    images, normals (``RGB = 255 * (n + 1) / 2``) and edges (0/255); such
    files are found automatically when the configured suffix is missing.

    Label 0 (void) becomes ``ignore_index`` (255) and ids 1..40 become
    0..39 (mmseg's ``reduce_zero_label``), so ``METAINFO['classes'][k]``
    names training label ``k``.

    Args:
        ann_file (str): Split file. Defaults to ``'gt_sets/train.txt'``.
        tasks (Sequence[str], optional): Subset of ``('seg', 'depth',
            'normal', 'edge')``. Defaults to all four.
        data_prefix (dict): Task folders, see the layout above.
        img_suffix (str): Image suffix. Defaults to ``'.jpg'``.
        reduce_zero_label (bool): Map void 0 to ignore and shift ids down.
            Defaults to True (the NYUD convention).
        **kwargs: See :class:`BaseMultiTaskDataset`.

    References:
        - Silberman et al., "Indoor Segmentation and Support Inference
          from RGBD Images", ECCV 2012 (not on arXiv). Dataset:
          https://cs.nyu.edu/~fergus/datasets/nyu_depth_v2.html
        - Gupta et al., "Perceptual Organization and Recognition of Indoor
          Scenes from RGB-D Images", CVPR 2013 (not on arXiv): the 40-class
          label set and the boundary ground truth of NYUD-v2.
        - Vandenhende et al., "MTI-Net: Multi-Scale Task Interaction
          Networks for Multi-Task Learning", ECCV 2020.
          https://arxiv.org/abs/2001.06902
          Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
        - Bruggemann et al., "Exploring Relational Context for Multi-Task
          Dense Prediction", ICCV 2021. https://arxiv.org/abs/2104.13874
          Code: https://github.com/brdav/atrc
    """

    METAINFO = dict(classes=NYU40_CLASSES, palette=[list(c) for c in
                                                    NYU40_PALETTE])
    TASKS = ('seg', 'depth', 'normal', 'edge')
    DEFAULT_SUFFIXES = dict(seg='.png', depth='.npy', normal='.npy',
                            edge='.npy')
    RAW_LABEL_MAX = dict(seg=40)
    # The ATRC / InvPT release of the same layout (NYUDv2.tar.gz) stores
    # images, normals (RGB = 255 * (n + 1) / 2) and edges (0/255) as PNG.
    SUFFIX_ALTERNATIVES = dict(
        img_path=('.png', ),
        normal_map_path=('.png', ),
        edge_map_path=('.png', ),
        depth_map_path=('.png', ))

    def __init__(self,
                 ann_file: str = 'gt_sets/train.txt',
                 data_prefix: dict = dict(
                     img_path='images',
                     seg_map_path='segmentation',
                     depth_map_path='depth',
                     normal_map_path='normals',
                     edge_map_path='edge'),
                 img_suffix: str = '.jpg',
                 reduce_zero_label: bool = True,
                 **kwargs) -> None:
        super().__init__(
            ann_file=ann_file,
            data_prefix=data_prefix,
            img_suffix=img_suffix,
            seg_map_suffix=self.DEFAULT_SUFFIXES['seg'],
            reduce_zero_label=reduce_zero_label,
            **kwargs)
