# Copyright (c) mmbin contributors. All rights reserved.
"""Replace the ``nn.Linear`` layers of a built model (a stock mmseg / mmcv
transformer backbone) by a configured linear layer, e.g.
:class:`~mmbin.ops.BinaryLinear`."""
import fnmatch
from typing import List, Optional, Sequence

import torch
import torch.nn as nn

from .binary_attention import build_linear

__all__ = ['swap_linear_layers', 'DEFAULT_LINEAR_EXCLUDE']

#: Names (``fnmatch`` patterns on dotted module names) left full precision by
#: default: patch embeddings, classification heads and the final projection,
#: as binarization papers keep the first and last layers real.
DEFAULT_LINEAR_EXCLUDE = ('*patch_embed*', '*head*', '*pre_logits*')


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(name, p) or name == p or name.startswith(p + '.')
        for p in patterns)


def swap_linear_layers(model: nn.Module,
                       linear_cfg: Optional[dict] = dict(type='BinaryLinear'),
                       exclude: Sequence[str] = DEFAULT_LINEAR_EXCLUDE,
                       copy_weights: bool = False) -> List[str]:
    """Replace every ``nn.Linear`` of ``model`` in place.

    Layers are replaced by ``build_linear(linear_cfg, in, out, bias)``
    (:func:`~mmbin.ops.binary_attention.build_linear`; ``linear_cfg=None``
    gives ``nn.Linear``, a full-precision no-op twin). Left as they are:

    - layers whose dotted name matches a pattern of ``exclude``
      (``fnmatch`` patterns or name prefixes, e.g. ``'patch_embed'``,
      ``'layers.11.ffn'``);
    - layers that are already of the target class;
    - the output projection of ``nn.MultiheadAttention`` (mmcv's
      ``MultiheadAttention``, mmseg's ViT): PyTorch's attention reads its
      ``weight`` and the packed ``in_proj_weight`` directly and never calls
      the module, so a swap would be silently ignored. Attention of such a
      model stays full precision; use a backbone with module-level
      projections (:class:`~mmbin.models.backbones.BiDenseViT`) to binarize
      it.

    Args:
        model (nn.Module): The model, modified in place.
        linear_cfg (dict | None): Config of the new layers. Defaults to
            ``dict(type='BinaryLinear')`` (the BiDense layer with its LN and
            bypass).
        exclude (Sequence[str]): Patterns of names to keep. Defaults to
            :data:`DEFAULT_LINEAR_EXCLUDE`.
        copy_weights (bool): Copy the old weight and bias into the new
            layer (fine-tuning from a full-precision model); otherwise the
            new layer keeps its own initialisation. Defaults to False.

    Returns:
        list[str]: Dotted names of the replaced layers (parents before
        their children).

    Raises:
        ValueError: If ``exclude`` is a string (a common slip for a
            one-element tuple).
    """
    if isinstance(exclude, str):
        raise ValueError('swap_linear_layers: exclude must be a sequence of '
                         f'patterns, got the string {exclude!r} (write '
                         f'({exclude!r},))')
    target = None
    replaced = []
    for name, parent in list(model.named_modules()):
        if isinstance(parent, nn.MultiheadAttention):
            continue
        for child_name, child in list(parent.named_children()):
            full = f'{name}.{child_name}' if name else child_name
            if not isinstance(child, nn.Linear) or _matches(full, exclude):
                continue
            if target is not None and type(child) is target:
                continue
            new = build_linear(linear_cfg, child.in_features,
                               child.out_features, child.bias is not None)
            target = type(new)
            if type(child) is target:
                continue
            new = new.to(device=child.weight.device, dtype=child.weight.dtype)
            if copy_weights:
                with torch.no_grad():
                    new.weight.copy_(child.weight)
                    if child.bias is not None:
                        new.bias.copy_(child.bias)
                    if getattr(new, 'weight_scale', None) is not None:
                        new.weight_scale.copy_(
                            new.weight.abs().mean(dim=1, keepdim=True))
            setattr(parent, child_name, new)
            replaced.append(full)
    return replaced
