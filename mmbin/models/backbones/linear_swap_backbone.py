# Copyright (c) mmbin contributors. All rights reserved.
"""A stock backbone with its ``nn.Linear`` layers swapped for a configured
linear layer (e.g. ``BinaryLinear``), usable from a config."""
from typing import Optional, Sequence

from mmengine.model import BaseModule
from mmseg.registry import MODELS

from mmbin.ops import DEFAULT_LINEAR_EXCLUDE, swap_linear_layers

__all__ = ['LinearSwapBackbone']


@MODELS.register_module()
class LinearSwapBackbone(BaseModule):
    """Build ``backbone`` and replace its linear layers with
    :func:`~mmbin.ops.swap_linear_layers`::

        backbone=dict(
            type='LinearSwapBackbone',
            backbone=dict(type='VisionTransformer', ...),   # stock mmseg
            linear_cfg=dict(type='BinaryLinear'),
            exclude=('patch_embed', 'head'))

    ``init_weights`` runs the wrapped backbone's initialisation and then
    re-applies the new layers' own (``BinaryLinear.init_binary_weight``),
    because stock transformers re-initialise every ``nn.Linear`` there
    (mmseg's ``VisionTransformer``: truncated normal, std 0.02).
    ``swapped`` lists the replaced layers. Note: ``nn.MultiheadAttention``
    (mmseg's ViT attention) keeps its projections full precision (see
    :func:`~mmbin.ops.swap_linear_layers`).

    Args:
        backbone (dict): Config of the wrapped backbone.
        linear_cfg (dict | None): Config of the new linear layers. Defaults
            to ``dict(type='BinaryLinear')``.
        exclude (Sequence[str]): Names kept full precision. Defaults to
            :data:`~mmbin.ops.DEFAULT_LINEAR_EXCLUDE`.
        init_cfg (dict, optional): Initialisation config.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self,
                 backbone: dict,
                 linear_cfg: Optional[dict] = dict(type='BinaryLinear'),
                 exclude: Sequence[str] = DEFAULT_LINEAR_EXCLUDE,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.backbone = MODELS.build(backbone)
        self.swapped = swap_linear_layers(self.backbone, linear_cfg,
                                          tuple(exclude))
        if not self.swapped:
            raise ValueError('LinearSwapBackbone: no nn.Linear of '
                             f'{type(self.backbone).__name__} was replaced '
                             f'(exclude={tuple(exclude)!r}); check the '
                             'patterns against its module names')

    def init_weights(self) -> None:
        super().init_weights()
        modules = dict(self.backbone.named_modules())
        for name in self.swapped:
            init = getattr(modules[name], 'init_binary_weight', None)
            if init is not None:
                init()

    def forward(self, x):
        return self.backbone(x)
