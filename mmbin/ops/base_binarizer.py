# Copyright (c) mmbin contributors. All rights reserved.
"""Base classes and builders of activation and weight binarizers."""
import inspect
from typing import Optional, Tuple

import torch.nn as nn
from torch import Tensor

from .registry import get_layer_class

__all__ = [
    'BaseActBinarizer', 'BaseWeightBinarizer', 'build_act_binarizer',
    'build_weight_binarizer', 'check_channel_input', 'channel_view'
]


class BaseActBinarizer(nn.Module):
    """Base of activation binarizers.

    A binarizer produces ``scale * b`` with ``b`` in ``{-1, +1}`` (``sign(0)
    = +1``) and an optional ``scale`` that broadcasts against ``b``.
    Subclasses implement :meth:`binarize`, which returns the two factors
    separately so that a binary convolution can pad ``b`` with ``+1`` *before*
    applying the scale (a padded tap then reads as the bit 1 of its channel).

    Subclasses that own per-channel parameters set ``requires_channels =
    True`` and take ``channels`` as their first constructor argument; the
    builders fill it with the input channels of the host convolution.
    """

    requires_channels = False

    def binarize(self, x: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
        """Binarize ``x``.

        Args:
            x (Tensor): Real-valued activations.

        Returns:
            tuple[Tensor, Tensor | None]: The two-valued tensor ``b``
            (carrying the surrogate gradient) and the scale, or ``None``
            when the binarizer is unscaled.
        """
        raise NotImplementedError(
            f'{type(self).__name__} must implement binarize()')

    def forward(self, x: Tensor) -> Tensor:
        """Return ``scale * b`` (``b`` alone when unscaled)."""
        b, scale = self.binarize(x)
        return b if scale is None else b * scale


class BaseWeightBinarizer(nn.Module):
    """Base of weight binarizers: ``forward(weight)`` returns the binarized
    weight, same shape, with a surrogate gradient."""

    def forward(self, weight: Tensor) -> Tensor:
        raise NotImplementedError(
            f'{type(self).__name__} must implement forward()')


def _build(cfg, base: type, kind: str, channels: Optional[int] = None):
    if cfg is None:
        return None
    if isinstance(cfg, nn.Module):
        if not isinstance(cfg, base):
            raise TypeError(f'{kind}: expected a {base.__name__} instance, '
                            f'got {type(cfg).__name__}')
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'{kind} must be a config dict, a {base.__name__} '
                        f'or None, got {type(cfg).__name__} ({cfg!r})')
    if 'type' not in cfg:
        raise KeyError(f'{kind} config {cfg!r} has no "type" key')
    args = dict(cfg)
    cls = get_layer_class(args.pop('type'), kind)
    if not (inspect.isclass(cls) and issubclass(cls, base)):
        raise TypeError(f'{kind}: type "{cfg["type"]}" resolves to '
                        f'{cls!r}, which is not a {base.__name__}')
    if getattr(cls, 'requires_channels', False):
        if channels is None and 'channels' not in args:
            raise ValueError(f'{kind}: {cls.__name__} needs "channels"')
        args.setdefault('channels', channels)
    return cls(**args)


def build_act_binarizer(cfg, channels: Optional[int] = None):
    """Build an activation binarizer from a config dict.

    Args:
        cfg (dict | BaseActBinarizer | None): Config with a ``type`` key
            (``'SignSTE'``, ``'ApproxSign'``, ``'RSign'``, ``'DAB'`` or any
            registered :class:`BaseActBinarizer`). ``None`` gives ``None``
            (real-valued activations).
        channels (int, optional): Number of input channels, passed to
            binarizers with per-channel parameters unless the config sets
            it.

    Returns:
        BaseActBinarizer | None: The binarizer.
    """
    return _build(cfg, BaseActBinarizer, 'act_binarizer', channels)


def build_weight_binarizer(cfg):
    """Build a weight binarizer from a config dict.

    Args:
        cfg (dict | BaseWeightBinarizer | None): Config with a ``type`` key
            (``'SignWeight'``, ``'XNORWeight'`` or any registered
            :class:`BaseWeightBinarizer`). ``None`` gives ``None``
            (real-valued weights).

    Returns:
        BaseWeightBinarizer | None: The binarizer.
    """
    return _build(cfg, BaseWeightBinarizer, 'weight_binarizer')


def check_channel_input(x: Tensor, channels: Optional[int], owner: str,
                        min_rank: int = 2) -> None:
    """Check that ``x`` is ``(N, C, ...)`` with at least ``min_rank`` dims
    and, when ``channels`` is given, ``C == channels`` (``channels == 1``
    means shared parameters and accepts any ``C``).

    Args:
        x (Tensor): The input.
        channels (int, optional): Expected channel count.
        owner (str): Name of the caller, used in the error message.
        min_rank (int): Minimum number of dimensions.

    Raises:
        ValueError: On a wrong rank or channel count.
    """
    if x.dim() < min_rank:
        raise ValueError(f'{owner} expects an input of rank >= {min_rank} '
                         f'laid out as (N, C, ...), got shape '
                         f'{tuple(x.shape)}')
    if channels is not None and channels != 1 and x.shape[1] != channels:
        raise ValueError(f'{owner} was built for {channels} channels but '
                         f'the input has {x.shape[1]} (shape '
                         f'{tuple(x.shape)})')


def channel_view(param: Tensor, x: Tensor) -> Tensor:
    """View a per-channel vector ``(C,)`` so it broadcasts against ``x`` laid
    out as ``(N, C, ...)``."""
    return param.view(1, -1, *([1] * (x.dim() - 2)))
