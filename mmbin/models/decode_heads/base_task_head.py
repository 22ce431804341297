# Copyright (c) mmbin contributors. All rights reserved.
"""Base class of the light per-task heads of the multi-task models."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.utils import SampleList
from torch import Tensor

from .bypass_conv_module import BypassConvModule

__all__ = ['BaseTaskHead']


class BaseTaskHead(BaseDecodeHead):
    """``num_convs`` (binarizable) 3x3 blocks, dropout and a full-precision
    1x1 prediction convolution (``conv_seg``), on the inputs selected by
    mmseg's ``in_index`` / ``input_transform``.

    A subclass fixes the task: which ground-truth field of
    :class:`~mmseg.structures.SegDataSample` it learns from (``gt_key``), the
    output activation applied in :meth:`forward`, how a prediction is flipped
    back after flip test-time augmentation (:meth:`flip_back`) and which
    prediction fields it writes (:meth:`postprocess`). The
    :class:`~mmbin.models.segmentors.MultiTaskEncoderDecoder` runs one such
    head per task.

    Args:
        in_channels (int | Sequence[int]): Input channels.
        channels (int): Width of the head's convolutions.
        num_classes (int): Output channels (classes, or 1 for depth and
            boundaries, 3 for normals).
        num_convs (int): Number of 3x3 blocks before the prediction layer.
            Defaults to 1.
        bypass (bool): Real-valued bypass around each block (for binary
            ``conv_cfg``). Defaults to False.
        gt_key (str): Ground-truth field of the data samples.
        conv_cfg (dict, optional): Config of the 3x3 convolutions (e.g.
            ``dict(type='ReActConv')``); the 1x1 prediction layer stays
            full precision.
        norm_cfg (dict, optional): Norm config. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict, optional): Activation. Defaults to
            ``dict(type='ReLU')``.
        in_index (int | Sequence[int]): Input index. Defaults to 0 (the
            fused map of :class:`MultiTaskFPNDecoder`).
        dropout_ratio (float): Dropout before ``conv_seg``. Defaults to 0.
        **kwargs: Other arguments of
            :class:`~mmseg.models.decode_heads.decode_head.BaseDecodeHead`
            (``loss_decode``, ``ignore_index``, ``align_corners``, ...).
    """

    #: Name of the task in messages.
    task_name: str = 'task'

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 channels: int,
                 *,
                 num_classes: int,
                 num_convs: int = 1,
                 bypass: bool = False,
                 gt_key: str,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 in_index: Union[int, Sequence[int]] = 0,
                 dropout_ratio: float = 0.,
                 **kwargs) -> None:
        if num_classes == 1:
            kwargs.setdefault('threshold', 0.5)
        super().__init__(
            in_channels,
            channels,
            num_classes=num_classes,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            in_index=in_index,
            dropout_ratio=dropout_ratio,
            **kwargs)
        self.gt_key = gt_key
        self.num_convs = num_convs
        self.bypass = bypass
        convs = []
        for i in range(num_convs):
            convs.append(
                BypassConvModule(
                    self.in_channels if i == 0 else channels,
                    channels,
                    kernel_size=3,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg,
                    bypass=bypass))
        self.convs = nn.Sequential(*convs)
        if num_convs == 0 and self.in_channels != channels:
            raise ValueError(f'{type(self).__name__}: num_convs=0 needs '
                             f'in_channels ({self.in_channels}) == channels '
                             f'({channels})')

    def _forward_feature(self, inputs: Sequence[Tensor]) -> Tensor:
        """Features before the prediction layer."""
        return self.convs(self._transform_inputs(inputs))

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Raw prediction at the head's resolution (after the task's output
        activation, see the subclass).

        Args:
            inputs (Sequence[Tensor]): Decoder (or backbone) features.

        Returns:
            Tensor: ``(N, out_channels, h, w)``.
        """
        return self.activate_output(
            self.cls_seg(self._forward_feature(inputs)))

    def activate_output(self, out: Tensor) -> Tensor:
        """Output activation of the task (identity by default)."""
        return out

    def stack_gt(self, batch_data_samples: SampleList) -> Tensor:
        """Stack ``gt_key`` of the data samples into ``(N, C, H, W)``.

        Raises:
            KeyError: If a sample lacks the field.
        """
        maps = []
        for i, sample in enumerate(batch_data_samples):
            if self.gt_key not in sample:
                raise KeyError(
                    f'{type(self).__name__} ({self.task_name}): data sample '
                    f'{i} ({sample.metainfo.get("img_path", "?")}) has no '
                    f'"{self.gt_key}"; load the {self.task_name} maps in the '
                    'pipeline (the dataset\'s `tasks` and '
                    'PackMultiTaskInputs) or remove this head from '
                    'model.decode_heads')
            maps.append(sample.get(self.gt_key).data)
        return torch.stack(maps, dim=0)

    def _stack_batch_gt(self, batch_data_samples: SampleList) -> Tensor:
        # used by BaseDecodeHead.loss_by_feat (segmentation-type heads)
        return self.stack_gt(batch_data_samples)

    def flip_back(self, out: Tensor, direction: str) -> Tensor:
        """Undo a flip of the input on a raw prediction ``(N, C, H, W)``.

        Args:
            out (Tensor): Prediction of the flipped input.
            direction (str): ``'horizontal'`` or ``'vertical'``.

        Returns:
            Tensor: The prediction in the unflipped frame.
        """
        if direction == 'horizontal':
            return out.flip(dims=(3, ))
        if direction == 'vertical':
            return out.flip(dims=(2, ))
        raise ValueError(f'flip direction must be "horizontal" or '
                         f'"vertical", got {direction!r}')

    def resize_output(self, out: Tensor, size) -> Tensor:
        """Resize a raw prediction to ``size`` (bilinear)."""
        return resize(
            out,
            size=tuple(size),
            mode='bilinear',
            align_corners=self.align_corners,
            warning=False)

    def postprocess(self, out: Tensor) -> Dict[str, PixelData]:
        """Prediction fields of one sample from its raw prediction.

        Args:
            out (Tensor): ``(C, H, W)`` at the original image size.

        Returns:
            dict[str, PixelData]: Field name to value, set on the
            :class:`SegDataSample`.
        """
        raise NotImplementedError

    def loss_terms(self, losses: Union[nn.Module, nn.ModuleList],
                   *args) -> Dict[str, Tensor]:
        """Sum of the configured losses by ``loss_name``.

        Args:
            losses (nn.Module | nn.ModuleList): ``self.loss_decode``.
            *args: Arguments of every loss.

        Returns:
            dict[str, Tensor]: ``loss_name`` to value.
        """
        out: Dict[str, Tensor] = {}
        mods: List[nn.Module] = list(losses) if isinstance(
            losses, nn.ModuleList) else [losses]
        for loss in mods:
            value = loss(*args)
            name = loss.loss_name
            out[name] = out[name] + value if name in out else value
        return out
