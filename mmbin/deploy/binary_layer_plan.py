# Copyright (c) mmbin contributors. All rights reserved.
"""What a binary layer of a PyTorch model computes, in the terms of a
bit-packed XNOR-popcount kernel.

This module only reads PyTorch modules (it does not import OpenVINO): for
every layer with binarized inputs *and* weights (the layers whose MACs
:mod:`mmbin.analysis` counts as BOPs) it either produces a
:class:`BinaryLayerPlan` (packed weight bits, per-output-channel scale,
per-input-channel threshold, padding) or a reason why the layer cannot be
packed exactly. :mod:`mmbin.deploy.ov_binary_ops` turns a plan into an
OpenVINO sub-graph; :meth:`BinaryLayerPlan.reference` is the same
computation in PyTorch, used to check a plan against the module.

Exactness argument (the binarizers supported and why):

- ``SignSTE`` and ``ApproxSign`` compute ``sign(x)`` with ``sign(0) = +1``:
  bit ``= x >= 0``.
- ``RSign`` computes ``sign(x - a_c)``. In IEEE arithmetic ``x - a`` is
  exactly 0 only when ``x == a`` and rounding keeps the sign of a non-zero
  difference, so bit ``= x >= a_c``: a per-input-channel threshold.
- ``DAB`` (BiDense) scales ``sign(s)`` by ``alpha[n, c]`` per sample and
  per *input* channel; the scale sits inside the channel sum and cannot be
  packed. ``BiDenseConv(scale_mode='output' | 'sample')`` (the deployable
  option) moves it after the convolution: the plan then takes the binarized
  tensor ``sign(s)`` (computed in full precision, like ``s`` itself) and the
  exporter multiplies the convolution by ``beta[n, o]``.
- Any weight binarizer whose result has one magnitude per output channel
  (``SignWeight``: 1, ``XNORWeight``: ``mean |W_o|``) packs as
  ``alpha_o * sign(W)``; the magnitudes are read from the layer's own
  binarizer, so they equal the ones the PyTorch forward uses.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmbin.analysis import is_binary_mac_layer
from mmbin.ops import (DAB, ApproxSign, BiDenseConv, BinaryConv2d,
                       BinaryConvTranspose2d, RSign, SignSTE)

__all__ = [
    'BinaryLayerPlan', 'UnsupportedBinaryLayerError', 'plan_binary_layers',
    'plan_binary_layer', 'MAX_SPLIT_GROUPS', 'BLOCK_CHANNELS',
    'default_groups_per_block'
]

#: A grouped binary convolution runs as one ``BinaryConvolution`` per group
#: (OpenVINO's op has no groups) up to this many groups. Above it
#: (depthwise convolutions) it runs as complement-pair blocks of several
#: groups (``BinaryLayerPlan.groups_per_block``), or as float math when
#: the exporter measures that to be faster (:mod:`.layer_choice`).
MAX_SPLIT_GROUPS = 16

#: Default input channels of one complement-pair block (per half).
BLOCK_CHANNELS = 16


def default_groups_per_block(groups: int, channels_per_group: int) -> int:
    """Groups per complement-pair block before any measurement: blocks of
    :data:`BLOCK_CHANNELS` input channels when that divides the layer,
    else one block.

    Args:
        groups (int): Groups of the layer.
        channels_per_group (int): Input channels per group.

    Returns:
        int: Groups per block (a divisor of ``groups``).
    """
    per = BLOCK_CHANNELS // channels_per_group
    if per >= 1 and BLOCK_CHANNELS % channels_per_group == 0 \
            and groups % per == 0:
        return per
    return groups


_PAD_MODES = {
    'zeros': 'constant',
    'reflect': 'reflect',
    'replicate': 'replicate',
    'circular': 'circular'
}

_DEPLOY_HINT = ('BiDense layers deploy with the deployable option '
                "BiDenseConv(..., scale_mode='output') (or 'sample'), see "
                'docs/bidense.md; or pass --allow-float (allow_float=True) '
                'to run the layer as exact float math')


class UnsupportedBinaryLayerError(ValueError):
    """Some binary layers cannot run on the bit-packed kernel.

    Args:
        problems (list[tuple[str, str, str]]): ``(layer name, layer type,
            reason)`` for every such layer.
    """

    def __init__(self, problems: List[Tuple[str, str, str]]) -> None:
        self.problems = list(problems)
        by_reason: Dict[str, List[str]] = {}
        for name, kind, why in problems:
            by_reason.setdefault(why, []).append(f'  {name} ({kind})')
        lines = []
        for why, layers in by_reason.items():
            lines += layers + [f'    reason: {why}']
        super().__init__(
            f'{len(problems)} binary layer(s) cannot run as a bit-packed '
            'BinaryConvolution and would fall back to float:\n' +
            '\n'.join(lines))


@dataclass
class BinaryLayerPlan:
    """A binary layer in the terms of an XNOR-popcount convolution.

    ``out = alpha_o * conv(pad(bits(x)), sign(W))`` (+ the layer's bias,
    and for DAB's deployable option times ``beta[n, o]``, both added by the
    exporter around the packed part). ``bits(x)`` is ``x >= threshold_c``.

    Attributes:
        name (str): Module path of the layer in the model.
        layer_type (str): Class name of the layer.
        kind (str): ``'conv'`` or ``'conv_transpose'`` (``kernel_size ==
            stride``: every output pixel is one binary dot product).
        weight_bits (np.ndarray): bool ``(C_out, C_in / groups, kh, kw)``
            in convolution layout, True for ``+1``.
        alpha (np.ndarray): float32 ``(C_out,)`` weight magnitude.
        threshold (np.ndarray): float32 ``(C_in,)``; the input bit is
            ``x >= threshold`` (``sign(0) = +1`` at threshold 0).
        stride (tuple[int, int]): Stride.
        dilation (tuple[int, int]): Dilation.
        pads (tuple[int, int, int, int]): ``(top, bottom, left, right)``.
        pad_mode (str): ``'constant'`` (value ``pad_value``),
            ``'reflect'``, ``'replicate'`` or ``'circular'``.
        pad_value (float): ``+1.0`` or ``-1.0``.
        groups (int): Groups.
        input_is_binary (bool): The input handed to the packed part is
            already ``+-1`` (DAB's deployable option: ``sign(s)`` is computed
            in full precision); ``threshold`` is then 0.
        groups_per_block (int): ``0``: a grouped layer runs as one
            ``BinaryConvolution`` per group. ``> 0``: as complement-pair
            blocks of this many groups each (one dense
            ``BinaryConvolution`` over ``[bits, NOT bits]`` per block, see
            :mod:`.ov_binary_ops`), the formulation of depthwise layers.
    """

    name: str
    layer_type: str
    kind: str
    weight_bits: np.ndarray
    alpha: np.ndarray
    threshold: np.ndarray
    stride: Tuple[int, int] = (1, 1)
    dilation: Tuple[int, int] = (1, 1)
    pads: Tuple[int, int, int, int] = (0, 0, 0, 0)
    pad_mode: str = 'constant'
    pad_value: float = 1.0
    groups: int = 1
    input_is_binary: bool = False
    groups_per_block: int = 0
    extra: Dict[str, object] = field(default_factory=dict)

    @property
    def in_channels(self) -> int:
        """int: Input channels of the layer."""
        if self.kind == 'conv_transpose':
            return int(self.weight_bits.shape[1])
        return int(self.weight_bits.shape[1]) * self.groups

    @property
    def out_channels(self) -> int:
        """int: Output channels of the layer."""
        return int(self.weight_bits.shape[0])

    @property
    def kernel_size(self) -> Tuple[int, int]:
        """tuple[int, int]: ``(kh, kw)``."""
        return int(self.weight_bits.shape[2]), int(self.weight_bits.shape[3])

    def signed_weight(self) -> Tensor:
        """Tensor: ``sign(W)`` in convolution layout (float32 ``+-1``)."""
        return torch.from_numpy(self.weight_bits.astype(np.float32) * 2 - 1)

    def reference(self, x: Tensor) -> Tensor:
        """The plan computed with PyTorch float ops (no bias, no DAB
        ``beta``): what the packed sub-graph must return.

        Args:
            x (Tensor): Input ``(N, C_in, H, W)``.

        Returns:
            Tensor: ``alpha_o * conv(pad(bits(x)), sign(W))``.
        """
        thr = torch.from_numpy(self.threshold).view(1, -1, 1, 1)
        b = (x >= thr).to(x.dtype) * 2 - 1
        w = self.signed_weight().to(x.dtype)
        alpha = torch.from_numpy(self.alpha).to(x.dtype).view(1, -1, 1, 1)
        if self.kind == 'conv_transpose':
            kh, kw = self.kernel_size
            # (C_out, C_in, kh, kw) -> ConvTranspose2d layout (C_in, C_out,..)
            out = F.conv_transpose2d(b, w.transpose(0, 1), None, (kh, kw))
            return out * alpha
        top, bottom, left, right = self.pads
        if any(self.pads):
            if self.pad_mode == 'constant':
                b = F.pad(b, (left, right, top, bottom), value=self.pad_value)
            else:
                b = F.pad(b, (left, right, top, bottom), mode=self.pad_mode)
        out = F.conv2d(b, w, None, self.stride, 0, self.dilation, self.groups)
        return out * alpha

    def describe(self) -> str:
        """str: One line for logs (geometry and binarization)."""
        kh, kw = self.kernel_size
        s = (f'{self.name} ({self.layer_type}): {self.in_channels}->'
             f'{self.out_channels} {kh}x{kw}')
        if self.kind == 'conv_transpose':
            return s + f' transposed s{self.stride[0]}'
        s += f' s{self.stride[0]}'
        if self.groups > 1:
            s += f' g{self.groups}'
        if self.groups_per_block:
            s += f' blocks of {self.groups_per_block}'
        if any(self.pads):
            s += (f' pad {self.pad_mode}' +
                  (f'({self.pad_value:+g})'
                   if self.pad_mode == 'constant' else ''))
        return s


def _threshold(layer: nn.Module, channels: int) -> Tuple[np.ndarray, bool]:
    """Per-input-channel threshold of the layer's activation binarizer.

    Returns:
        tuple[np.ndarray, bool]: The threshold and whether the packed part
        receives ``sign(s)`` computed in full precision (DAB's deployable
        option) instead of the layer input.

    Raises:
        ValueError: With the reason when the binarizer cannot be packed.
    """
    binarizer = layer.act_binarizer
    kind = type(binarizer)
    if kind in (SignSTE, ApproxSign):
        return np.zeros(channels, np.float32), False
    if kind is RSign:
        a = binarizer.threshold.detach().cpu().float().numpy()
        if not np.all(np.isfinite(a)):
            raise ValueError('RSign threshold has non-finite entries')
        return np.broadcast_to(a, (channels, )).astype(np.float32), False
    if kind is DAB:
        if (isinstance(layer, BiDenseConv)
                and getattr(layer, 'scale_mode', 'input') != 'input'):
            return np.zeros(channels, np.float32), True
        raise ValueError(
            "DAB's scale is per sample and per input channel, so it sits "
            'inside the channel sum of the convolution and cannot be packed '
            'into an XNOR-popcount accumulation. ' + _DEPLOY_HINT)
    raise ValueError(
        f'activation binarizer {kind.__name__} has no exact packing rule '
        '(supported: SignSTE, ApproxSign, RSign, and DAB through '
        "BiDenseConv(scale_mode='output'|'sample'))")


def _weight_bits(wb: Tensor, owner: str) -> Tuple[np.ndarray, np.ndarray]:
    """Split a binarized weight ``alpha_o * sign(W)`` (conv layout) into bits
    and ``alpha``; fails if the magnitude varies within an output
    channel."""
    w = wb.detach().cpu().float().numpy()
    mag = np.abs(w).reshape(w.shape[0], -1)
    alpha = mag[:, 0].copy()
    if not np.array_equal(mag, np.repeat(alpha[:, None], mag.shape[1], 1)):
        bad = int(np.argmax((mag != alpha[:, None]).any(axis=1)))
        raise ValueError(
            f'{owner}: the binarized weight of output channel {bad} takes '
            'more than one magnitude, so it is not alpha_o * sign(W)')
    return w >= 0, alpha.astype(np.float32)  # -0.0 >= 0: sign(0) = +1


def _plan_conv(name: str, layer: BinaryConv2d) -> BinaryLayerPlan:
    cls = type(layer)
    standard = cls.conv_binary is BinaryConv2d.conv_binary
    deployable_dab = (
        isinstance(layer, BiDenseConv)
        and cls.conv_binary is BiDenseConv.conv_binary)
    if not (standard or deployable_dab):
        raise ValueError(
            f'{cls.__name__} overrides conv_binary, so its arithmetic is '
            'unknown to the exporter')
    threshold, input_is_binary = _threshold(layer, layer.in_channels)
    gpb = 0
    if layer.groups > MAX_SPLIT_GROUPS:
        gpb = default_groups_per_block(layer.groups,
                                       layer.in_channels // layer.groups)
    with torch.no_grad():
        bits, alpha = _weight_bits(layer.binary_weight(), name)
    left, right, top, bottom = (
        int(p) for p in layer._reversed_padding_repeated_twice)
    mode = _PAD_MODES.get(layer.padding_mode)
    if mode is None:
        raise ValueError(f'padding_mode={layer.padding_mode!r} is not '
                         'supported')
    return BinaryLayerPlan(
        name=name,
        layer_type=cls.__name__,
        kind='conv',
        weight_bits=bits,
        alpha=alpha,
        threshold=threshold,
        stride=tuple(int(s) for s in layer.stride),
        dilation=tuple(int(d) for d in layer.dilation),
        pads=(top, bottom, left, right),
        pad_mode=mode,
        pad_value=float(layer.pad_value),
        groups=int(layer.groups),
        input_is_binary=input_is_binary,
        groups_per_block=gpb)


def _plan_conv_transpose(name: str,
                         layer: BinaryConvTranspose2d) -> BinaryLayerPlan:
    cls = type(layer)
    if cls.forward is not BinaryConvTranspose2d.forward:
        # e.g. BiDenseConvTranspose2d (DAB scale, BN and bypass)
        if isinstance(layer.act_binarizer, DAB):
            raise ValueError(
                "DAB's scale is per sample and per input channel and cannot "
                'be packed (BiDenseConvTranspose2d has no deployable option '
                'yet); pass --allow-float to run it as exact float math')
        raise ValueError(f'{cls.__name__} overrides forward, so its '
                         'arithmetic is unknown to the exporter')
    threshold, _ = _threshold(layer, layer.in_channels)
    k = tuple(int(v) for v in layer.kernel_size)
    s = tuple(int(v) for v in layer.stride)
    if (k != s or any(layer.padding) or any(layer.output_padding)
            or any(d != 1 for d in layer.dilation) or layer.groups != 1):
        raise ValueError(
            'only kernel_size == stride, padding 0, output_padding 0, '
            f'dilation 1, groups 1 is packable (got kernel_size={k}, '
            f'stride={s}, padding={tuple(layer.padding)}, output_padding='
            f'{tuple(layer.output_padding)}, dilation='
            f'{tuple(layer.dilation)}, groups={layer.groups})')
    with torch.no_grad():
        # (C_in, C_out, kh, kw) -> conv layout (C_out, C_in, kh, kw)
        wb = layer.binary_weight().transpose(0, 1)
        bits, alpha = _weight_bits(wb, name)
    return BinaryLayerPlan(
        name=name,
        layer_type=cls.__name__,
        kind='conv_transpose',
        weight_bits=bits,
        alpha=alpha,
        threshold=threshold,
        stride=s)


def plan_binary_layer(name: str, layer: nn.Module) -> BinaryLayerPlan:
    """Plan one binary layer.

    Args:
        name (str): Module path (used in messages).
        layer (nn.Module): A :class:`~mmbin.ops.BinaryConv2d` or
            :class:`~mmbin.ops.BinaryConvTranspose2d` (or subclass) with
            binarized input and weight.

    Returns:
        BinaryLayerPlan: The plan.

    Raises:
        ValueError: With the reason when the layer cannot be packed exactly.
    """
    if isinstance(layer, BinaryConv2d):
        return _plan_conv(name, layer)
    if isinstance(layer, BinaryConvTranspose2d):
        return _plan_conv_transpose(name, layer)
    raise ValueError(f'{type(layer).__name__} is not a BinaryConv2d or '
                     'BinaryConvTranspose2d')


def plan_binary_layers(
    model: nn.Module
) -> Tuple[List[Tuple[str, nn.Module, BinaryLayerPlan]], List[Tuple[str, str,
                                                                    str]]]:
    """Plan every binary layer of ``model`` (eval-mode values are read).

    Args:
        model (nn.Module): The model.

    Returns:
        tuple[list, list]: ``(name, module, plan)`` of the packable layers
        and ``(name, layer type, reason)`` of the others, in module order.
    """
    plans, problems = [], []
    for name, module in model.named_modules():
        if not is_binary_mac_layer(module):
            continue
        try:
            plans.append((name, module, plan_binary_layer(name, module)))
        except ValueError as err:
            problems.append((name, type(module).__name__, str(err)))
    return plans, problems
