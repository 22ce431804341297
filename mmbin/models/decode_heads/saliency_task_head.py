# Copyright (c) mmbin contributors. All rights reserved.
"""Saliency estimation task head (PASCAL-Context multi-task)."""
from mmseg.registry import MODELS

from .edge_task_head import EdgeTaskHead

__all__ = ['SaliencyTaskHead']


@MODELS.register_module()
class SaliencyTaskHead(EdgeTaskHead):
    """Saliency: an :class:`EdgeTaskHead` on ``gt_saliency`` writing
    ``pred_saliency`` (probability), with the positive weight taken from
    each batch (``pos_weight=None``, MTI-Net / ATRC's saliency loss).

    Args:
        pos_weight (float, optional): Defaults to None (batch balance).
        **kwargs: See :class:`EdgeTaskHead`.
    """

    task_name = 'saliency'

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 pos_weight=None,
                 **kwargs) -> None:
        kwargs.setdefault('gt_key', 'gt_saliency')
        kwargs.setdefault('pred_key', 'pred_saliency')
        super().__init__(
            in_channels, channels, pos_weight=pos_weight, **kwargs)
