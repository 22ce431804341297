# Copyright (c) mmbin contributors. All rights reserved.
import numpy as np
import torch
from mmcv.transforms import to_tensor
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from .geometric import NORMALS_FOLLOW_FLIP

# results key -> (SegDataSample field, tensor dtype)
MULTITASK_FIELDS = dict(
    gt_depth_map=('gt_depth_map', torch.float32),
    gt_normal_map=('gt_normal_map', torch.float32),
    gt_edge_map=('gt_edge_map', torch.int64),
    gt_parts_map=('gt_parts', torch.int64),
    gt_saliency_map=('gt_saliency', torch.int64))


@TRANSFORMS.register_module()
class PackMultiTaskInputs(PackSegInputs):
    """Pack the image and every task map into a ``SegDataSample``.

    Fields (all :class:`PixelData` with ``data`` of shape ``C x H x W``):

    - ``gt_sem_seg``: 1xHxW int64, 255 = ignore (mmseg's own packing);
    - ``gt_depth_map``: 1xHxW float32 metres, 0 = invalid;
    - ``gt_normal_map``: 3xHxW float32 unit normals, zero vector = invalid;
    - ``gt_edge_map``: 1xHxW int64 0/1, 255 = ignore;
    - ``gt_parts``: 1xHxW int64 part ids, 255 = ignore (PASCAL);
    - ``gt_saliency``: 1xHxW int64 0/1 (PASCAL).

    Before packing it checks that every map has the image's size (or the
    original size, for test pipelines that resize the image only) and that a
    flipped sample went through ``MultiTaskRandomFlip``, so a pipeline that
    mixes in transforms unaware of normals fails loudly instead of training
    on misaligned targets.

    Args:
        meta_keys (Sequence[str]): Meta keys to pack; mmseg's defaults plus
            ``sample_id`` and ``tasks``.
    """

    def __init__(self,
                 meta_keys=('img_path', 'seg_map_path', 'ori_shape',
                            'img_shape', 'pad_shape', 'scale_factor', 'flip',
                            'flip_direction', 'reduce_zero_label',
                            'sample_id', 'tasks')):
        super().__init__(meta_keys=meta_keys)

    def _check(self, results: dict) -> None:
        name = results.get('img_path', '<sample>')
        shapes = []
        if 'img' in results:
            shapes.append(tuple(results['img'].shape[:2]))
        if results.get('ori_shape') is not None:
            shapes.append(tuple(results['ori_shape'][:2]))
        map_shape = None
        for key in ['gt_seg_map'] + list(MULTITASK_FIELDS):
            if key not in results:
                continue
            shape = tuple(results[key].shape[:2])
            if map_shape is None:
                map_shape = shape
            if shape != map_shape or (shapes and shape not in shapes):
                raise ValueError(
                    f'{name}: {key} is {shape} but the image is '
                    f'{shapes[0] if shapes else "?"} (other maps '
                    f'{map_shape}); a transform moved the image without '
                    f'this map. Use the MultiTask* geometric transforms.')
        if results.get('flip') and 'gt_normal_map' in results and \
                not results.get(NORMALS_FOLLOW_FLIP):
            raise ValueError(
                f'{name}: the sample was flipped by a transform that does '
                f'not flip normal vectors; use MultiTaskRandomFlip instead '
                f'of RandomFlip in a pipeline with normals')

    def transform(self, results: dict) -> dict:
        """Pack ``results`` into ``inputs`` and ``data_samples``.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``inputs`` (CxHxW tensor) and ``data_samples``
            (:obj:`SegDataSample`).
        """
        self._check(results)
        # mmseg packs gt_sem_seg, gt_edge_map and gt_depth_map; let it do
        # the semantic map and pack the rest here with explicit dtypes.
        own = {k: results.pop(k) for k in MULTITASK_FIELDS if k in results}
        try:
            packed = super().transform(results)
        finally:
            results.update(own)
        sample = packed['data_samples']
        for key, arr in own.items():
            field, dtype = MULTITASK_FIELDS[key]
            arr = np.ascontiguousarray(arr)
            if arr.ndim == 2:
                arr = arr[None]
            else:
                arr = arr.transpose(2, 0, 1)
            sample.set_data({field: PixelData(data=to_tensor(
                np.ascontiguousarray(arr)).to(dtype))})
        return packed
