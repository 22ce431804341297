# Copyright (c) mmbin contributors. All rights reserved.
"""Data preprocessor that pads every task map with its own invalid value.

mmseg's ``stack_batch`` pads ``gt_sem_seg``, ``gt_edge_map`` and
``gt_depth_map`` all with ``seg_pad_val`` (255), which would turn padded
depth into 255 m of valid depth, and it does not know the normal, part and
saliency maps.  This preprocessor keeps mmseg's normalisation, colour
conversion and test-time padding and replaces the training-time stacking.
"""
from numbers import Number
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS

# SegDataSample field -> value of padded (invalid) pixels
DEFAULT_MAP_PAD_VALUES = dict(
    gt_sem_seg=255,
    gt_edge_map=255,
    gt_depth_map=0.0,
    gt_normal_map=0.0,
    gt_parts=255,
    gt_saliency=255)


def stack_multitask_batch(
    inputs: List[torch.Tensor],
    data_samples: Optional[list] = None,
    size: Optional[Tuple[int, int]] = None,
    size_divisor: Optional[int] = None,
    pad_val: Number = 0,
    map_pad_values: Optional[Dict[str, Number]] = None,
) -> Tuple[torch.Tensor, list]:
    """Pad images and task maps at the bottom/right and stack the images.

    The padded size is ``size`` if given, else the largest image of the
    batch rounded up to ``size_divisor`` (if given).

    Args:
        inputs (list[Tensor]): CxHxW images.
        data_samples (list[SegDataSample], optional): Samples whose map
            fields (keys of ``map_pad_values``) are padded in place.
        size (tuple[int, int], optional): Fixed ``(h, w)`` to pad to.
        size_divisor (int, optional): Round the padded size up to this.
        pad_val (Number): Image padding value.
        map_pad_values (dict, optional): Padding value per map field.

    Returns:
        tuple: The NxCxHxW batch and the samples (with ``img_shape``,
        ``pad_shape`` and ``padding_size`` set in their metainfo).
    """
    if not inputs:
        raise ValueError('stack_multitask_batch: empty batch')
    if len({t.shape[0] for t in inputs}) != 1:
        raise ValueError('stack_multitask_batch: images have different '
                         f'channel counts {[t.shape[0] for t in inputs]}')
    pads = dict(DEFAULT_MAP_PAD_VALUES)
    pads.update(map_pad_values or {})
    if size is not None:
        th, tw = int(size[0]), int(size[1])
    else:
        th = max(t.shape[-2] for t in inputs)
        tw = max(t.shape[-1] for t in inputs)
        if size_divisor is not None and size_divisor > 1:
            th = (th + size_divisor - 1) // size_divisor * size_divisor
            tw = (tw + size_divisor - 1) // size_divisor * size_divisor
    padded, samples = [], []
    for i, img in enumerate(inputs):
        padding = (0, max(tw - img.shape[-1], 0), 0,
                   max(th - img.shape[-2], 0))
        padded.append(F.pad(img, padding, value=pad_val))
        if data_samples is None:
            continue
        sample = data_samples[i]
        pad_shape = None
        for field, value in pads.items():
            if field not in sample:
                continue
            pixel_data = getattr(sample, field)
            data = pixel_data.data
            del pixel_data.data
            pixel_data.data = F.pad(data, padding, value=value)
            pad_shape = pixel_data.shape
        sample.set_metainfo(
            dict(
                img_shape=tuple(img.shape[-2:]),
                pad_shape=pad_shape or (th, tw),
                padding_size=padding))
        samples.append(sample)
    return torch.stack(padded, dim=0), samples


@MODELS.register_module()
class MultiTaskDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` for multi-task samples.

    Normalisation, BGR/RGB conversion and test-time padding are mmseg's.
    In training every map is padded with its own invalid value
    (``map_pad_values``: 255 for labels, edges, parts and saliency, 0 for
    depth, zero vectors for normals), and ``size`` and ``size_divisor`` may
    both be left unset to pad to the largest sample of the batch.

    Args:
        mean (Sequence[Number], optional): Pixel mean per channel.
        std (Sequence[Number], optional): Pixel std per channel.
        size (tuple, optional): Fixed padding size ``(h, w)``.
        size_divisor (int, optional): Divisor of the padded size.
        pad_val (Number): Image padding value. Defaults to 0.
        seg_pad_val (Number): Padding of ``gt_sem_seg`` (kept for mmseg
            compatibility; overrides ``map_pad_values['gt_sem_seg']``).
            Defaults to 255.
        map_pad_values (dict, optional): Padding value per map field, merged
            over the defaults above.
        **kwargs: ``bgr_to_rgb``, ``rgb_to_bgr``, ``batch_augments``,
            ``test_cfg`` as in :class:`SegDataPreProcessor`.
    """

    def __init__(self,
                 mean: Sequence[Number] = None,
                 std: Sequence[Number] = None,
                 size: Optional[tuple] = None,
                 size_divisor: Optional[int] = None,
                 pad_val: Number = 0,
                 seg_pad_val: Number = 255,
                 map_pad_values: Optional[Dict[str, Number]] = None,
                 **kwargs) -> None:
        super().__init__(
            mean=mean,
            std=std,
            size=size,
            size_divisor=size_divisor,
            pad_val=pad_val,
            seg_pad_val=seg_pad_val,
            **kwargs)
        self.map_pad_values = dict(DEFAULT_MAP_PAD_VALUES)
        self.map_pad_values.update(map_pad_values or {})
        self.map_pad_values['gt_sem_seg'] = seg_pad_val

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Normalise, convert colours and (in training) pad and stack.

        Args:
            data (dict): ``inputs`` and ``data_samples`` from the loader.
            training (bool): Training mode.

        Returns:
            dict: ``inputs`` (NxCxHxW) and ``data_samples``.
        """
        if not training:
            return super().forward(data, training=False)
        data = self.cast_data(data)
        inputs = data['inputs']
        data_samples = data.get('data_samples', None)
        if data_samples is None:
            raise ValueError('MultiTaskDataPreProcessor: data_samples are '
                             'required in training')
        if self.channel_conversion and inputs[0].size(0) == 3:
            inputs = [x[[2, 1, 0], ...] for x in inputs]
        inputs = [x.float() for x in inputs]
        if self._enable_normalize:
            inputs = [(x - self.mean) / self.std for x in inputs]
        inputs, data_samples = stack_multitask_batch(
            inputs,
            data_samples,
            size=self.size,
            size_divisor=self.size_divisor,
            pad_val=self.pad_val,
            map_pad_values=self.map_pad_values)
        if self.batch_augments is not None:
            inputs, data_samples = self.batch_augments(inputs, data_samples)
        return dict(inputs=inputs, data_samples=data_samples)
