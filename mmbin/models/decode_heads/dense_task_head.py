# Copyright (c) mmbin contributors. All rights reserved.
"""Base class of the task heads that predict a dense map with a fixed
number of channels (depth, normals, boundaries, saliency)."""
import copy
from typing import Dict, Optional

from mmseg.utils import SampleList
from torch import Tensor

from .base_task_head import BaseTaskHead

__all__ = ['DenseTaskHead']


class DenseTaskHead(BaseTaskHead):
    """A :class:`BaseTaskHead` whose number of output channels is fixed by
    the task (:attr:`num_outputs`) and whose losses compare the prediction,
    resized to the ground truth, with the ``gt_key`` map.

    Segmentation heads learn through MMSegmentation's
    ``BaseDecodeHead.loss_by_feat`` (class labels, accuracy); the regression
    and probability heads share this loss step, the ``pred_key`` field and
    the way their defaults are set instead, so they are written once here.
    A subclass sets :attr:`num_outputs` and the defaults of ``gt_key``,
    ``pred_key`` and ``loss_decode`` as class attributes.

    Args:
        in_channels (int | Sequence[int]): Input channels.
        channels (int): Width of the head's convolutions.
        gt_key (str, optional): Ground-truth field of the data samples.
            Defaults to :attr:`default_gt_key`.
        pred_key (str, optional): Prediction field that
            :meth:`postprocess` writes. Defaults to
            :attr:`default_pred_key`.
        loss_decode (dict | list[dict], optional): Losses called as
            ``loss(prediction, ground_truth)``. Defaults to
            :attr:`default_loss_decode`.
        **kwargs: See :class:`BaseTaskHead`; a ``num_classes`` is dropped
            (the task fixes it).
    """

    #: Output channels of the task.
    num_outputs: int = 1
    #: Ground-truth field when ``gt_key`` is not given.
    default_gt_key: str = ''
    #: Prediction field when ``pred_key`` is not given.
    default_pred_key: str = ''
    #: Loss config when ``loss_decode`` is not given.
    default_loss_decode: Optional[dict] = None

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 gt_key: Optional[str] = None,
                 pred_key: Optional[str] = None,
                 loss_decode=None,
                 **kwargs) -> None:
        kwargs.pop('num_classes', None)
        if loss_decode is None:
            loss_decode = copy.deepcopy(self.default_loss_decode)
        super().__init__(
            in_channels,
            channels,
            num_classes=self.num_outputs,
            gt_key=self.default_gt_key if gt_key is None else gt_key,
            loss_decode=loss_decode,
            **kwargs)
        self.pred_key = self.default_pred_key if pred_key is None \
            else pred_key

    def loss_by_feat(self, out: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """The configured losses on the prediction resized to the ground
        truth (the losses leave out invalid pixels).

        Args:
            out (Tensor): ``(N, num_outputs, h, w)`` from :meth:`forward`.
            batch_data_samples (list[SegDataSample]): With the ``gt_key``
                map.

        Returns:
            dict[str, Tensor]: Loss items.
        """
        gt = self.stack_gt(batch_data_samples).float()
        out = self.resize_output(out, gt.shape[2:])
        return self.loss_terms(self.loss_decode, out, gt)
