# Copyright (c) mmbin contributors. All rights reserved.
"""Turn the layers (and directly used parameters) of a network selected by
name patterns into delta layers."""
import fnmatch
from typing import Dict, List, Optional, Sequence, Tuple, Type

import torch.nn as nn
from mmcv.cnn.bricks import wrappers as mmcv_wrappers
from torch.nn.modules.batchnorm import _NormBase

from .delta_attention import DeltaMultiheadAttention
from .delta_conv import DeltaConv2d
from .delta_layer import DEFAULT_DELTA_CFG, DeltaLayerMixin
from .delta_linear import DeltaLinear
from .delta_norm import DeltaLayerNorm
from .delta_params import DeltaParameters
from .sharing_context import SharingContext

__all__ = ['wrap_for_sharing', 'delta_layers', 'SHAREABLE_TYPES']

#: Layer types that can be wrapped, and their delta layer.
SHAREABLE_TYPES: Dict[Type[nn.Module], Type[nn.Module]] = {
    nn.Conv2d: DeltaConv2d,
    nn.Linear: DeltaLinear,
    nn.MultiheadAttention: DeltaMultiheadAttention,
    nn.LayerNorm: DeltaLayerNorm,
}

#: Norms whose parameters stay shared with the base task (no deltas):
#: batch / instance norms (frozen, running statistics of the base task) and
#: group norms.
_NORMS_WITHOUT_DELTAS = (_NormBase, nn.GroupNorm)


#: Subclasses whose own forward only adds empty-tensor handling (mmcv's
#: wrappers, used by its FFN and ConvModule builders): safe to wrap.
_EQUIVALENT_SUBCLASSES = (mmcv_wrappers.Conv2d, mmcv_wrappers.Linear)


def _delta_class(name: str, module: nn.Module) -> Optional[type]:
    """The delta layer for ``module``, None for modules that are not
    shareable layers (norms, containers, activations), an error for
    subclasses of shareable layers with their own forward (e.g. binary
    convolutions), which a delta layer would silently change."""
    if isinstance(module, DeltaLayerMixin):
        return None
    if isinstance(module, nn.LayerNorm) and not module.elementwise_affine:
        return None  # no parameters to give a delta
    for base, delta in SHAREABLE_TYPES.items():
        if isinstance(module, base):
            if type(module).forward is not base.forward and \
                    type(module) not in _EQUIVALENT_SUBCLASSES:
                raise TypeError(
                    f'computation sharing: {name} is a '
                    f'{type(module).__name__}, a {base.__name__} with its '
                    f'own forward, which cannot be wrapped; wrap plain '
                    f'{base.__name__} layers only (exclude it with '
                    f'sharing.exclude)')
            return delta
    return None


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def wrap_for_sharing(model: nn.Module,
                     layers: Sequence[str],
                     tasks: Sequence[str],
                     context: Optional[SharingContext] = None,
                     exclude: Sequence[str] = (),
                     delta_cfg: Optional[dict] = None,
                     allowed_prefixes: Optional[Sequence[str]] = None
                     ) -> List[str]:
    """Replace the matching conv / linear / attention / LayerNorm layers of
    ``model`` by delta layers, in place, and give the matching parameters
    that other modules use directly (a ViT's ``pos_embed`` and
    ``cls_token``) per-task deltas.

    A module is wrapped when its qualified name matches a pattern of
    ``layers`` (``fnmatch`` syntax, e.g. ``'backbone.layer*'`` or
    ``'backbone.layers.*.ffn.*'``) and none of ``exclude``, and it is an
    ``nn.Conv2d``, ``nn.Linear``, ``nn.MultiheadAttention`` or an affine
    ``nn.LayerNorm``; other matching modules (containers, activations) are
    left alone. The layers inside a wrapped attention (its output
    projection) are wrapped with it. A parameter owned directly by a
    module that is none of these (and not a batch / instance / group norm,
    whose parameters stay shared) gets a delta when its qualified name
    (e.g. ``'backbone.pos_embed'``) matches ``layers`` and not ``exclude``
    (see :class:`DeltaParameters`).

    Args:
        model (nn.Module): The network (changed in place).
        layers (Sequence[str]): Name patterns of the layers to wrap.
        tasks (Sequence[str]): Sub-tasks that get deltas.
        context (SharingContext, optional): Context of the model.
        exclude (Sequence[str]): Name patterns never wrapped.
        delta_cfg (dict, optional): :class:`ParamDelta` arguments.
        allowed_prefixes (Sequence[str], optional): Only modules under these
            top-level names may be wrapped (e.g. ``('backbone', 'neck')``);
            a pattern that reaches elsewhere is an error.

    Returns:
        list[str]: Names of the wrapped layers, in module order, then the
        qualified names of the parameters given deltas directly.

    Raises:
        ValueError: If the patterns match no shareable layer, or match one
            outside ``allowed_prefixes``.

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """
    if isinstance(layers, str):
        layers = [layers]
    if isinstance(exclude, str):
        exclude = [exclude]
    if not layers:
        raise ValueError('computation sharing: sharing.layers is empty; '
                         'give name patterns such as "backbone.*"')
    unknown = set(delta_cfg or {}) - set(DEFAULT_DELTA_CFG)
    if unknown:
        raise KeyError(f'computation sharing: unknown delta_cfg keys '
                       f'{sorted(unknown)}; known: '
                       f'{sorted(DEFAULT_DELTA_CFG)}')
    selected = []
    for name, module in model.named_modules():
        if not name or not _matches(name, layers) or _matches(name, exclude):
            continue
        if any(name.startswith(w + '.') for w, _ in selected):
            continue  # inside a selected attention (wrapped with it)
        cls = _delta_class(name, module)
        if cls is None:
            continue
        if allowed_prefixes is not None and not any(
                name == p or name.startswith(p + '.')
                for p in allowed_prefixes):
            raise ValueError(
                f'computation sharing: sharing.layers {list(layers)} match '
                f'{name!r}, outside the shared encoder '
                f'({list(allowed_prefixes)}); decoders and heads are task '
                f'specific and cannot be shared')
        selected.append((name, cls))
    bare = _bare_parameters(model, layers, exclude, selected)
    for owner, params in bare:
        if allowed_prefixes is not None and not any(
                owner == p or owner.startswith(p + '.')
                for p in allowed_prefixes):
            raise ValueError(
                f'computation sharing: sharing.layers {list(layers)} match '
                f'parameters {params} of {owner!r}, outside the shared '
                f'encoder ({list(allowed_prefixes)}); decoders and heads are '
                f'task specific and cannot be shared')
    # all checks done: only now change the model
    wrapped: List[str] = []
    for name, cls in selected:
        module = model.get_submodule(name)
        new = cls.from_module(module, name, tasks, context, delta_cfg)
        parent_name, _, child = name.rpartition('.')
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, new)
        wrapped.append(name)
    for owner, params in bare:
        DeltaParameters.attach(model.get_submodule(owner), owner, params,
                               tasks, context, delta_cfg)
        wrapped.extend(f'{owner}.{p}' for p in params)
    if not wrapped:
        sample = [
            n for n, m in model.named_modules()
            if isinstance(m, tuple(SHAREABLE_TYPES))
        ][:6]
        raise ValueError(
            f'computation sharing: sharing.layers {list(layers)} (exclude '
            f'{list(exclude)}) match no Conv2d, Linear, MultiheadAttention '
            f'or LayerNorm layer; names look like {sample}')
    return wrapped


def _bare_parameters(model: nn.Module, layers: Sequence[str],
                     exclude: Sequence[str],
                     selected: Sequence[Tuple[str, type]]
                     ) -> List[Tuple[str, List[str]]]:
    """``(owner name, parameter names)`` of the matching parameters owned
    directly by modules that are neither shareable layers nor norms
    without deltas, outside the selected layers."""
    out = []
    for name, module in model.named_modules():
        if not name or isinstance(
                module, (DeltaLayerMixin, ) + tuple(SHAREABLE_TYPES) +
                _NORMS_WITHOUT_DELTAS):
            continue
        if any(name == w or name.startswith(w + '.') for w, _ in selected):
            continue
        params = [
            p for p, v in module.named_parameters(recurse=False)
            if v is not None and _matches(f'{name}.{p}', layers)
            and not _matches(f'{name}.{p}', exclude)
        ]
        if params:
            out.append((name, params))
    return out


def delta_layers(model: nn.Module) -> Dict[str, DeltaLayerMixin]:
    """All delta layers of ``model`` by name (the output projection inside
    a wrapped attention and the :class:`DeltaParameters` holders
    included)."""
    out: Dict[str, DeltaLayerMixin] = {}
    for name, module in model.named_modules():
        if isinstance(module, DeltaLayerMixin):
            out[name] = module
    return out
