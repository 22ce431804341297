# Copyright (c) mmbin contributors. All rights reserved.
"""BiDense convolution: a binary convolution with its own BN and a
channel-adaptive full-precision bypass (BiDense), its deployable variant,
and the same structure around any convolution (for baselines and
full-precision twins of identical architecture)."""
from typing import Optional, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

from .binary_conv import BinaryConv2d
from .cfb import CFB, channel_adaptive_bypass
from .dab import DAB_SCALE_MODES, dab_output_scale
from .registry import register_layer

#: Pad values a :class:`CFBConv2d` accepts: two-valued (``+-1``, deployable
#: on bit-packed kernels) or ``0.0`` (the BiDense reference's zero padding).
PAD_VALUES = (1.0, -1.0, 0.0)

__all__ = [
    'PAD_VALUES', 'pooled_bypass', 'CFBConv2d', 'BiDenseConv', 'NormBypass',
    'has_own_bypass'
]


def pooled_bypass(x: Tensor, out_hw: Tuple[int, int],
                  out_channels: int) -> Tensor:
    """BiDense's real-valued bypass ``CFB(P(x), C_out)``.

    ``P`` is the identity when ``x`` already has the spatial size
    ``out_hw``; average pooling with kernel = stride = ``in / out`` when each
    input size is a multiple of the output size (``AvgPool2d(2)`` for a
    stride-2 down-sampling, as in BiDense); adaptive average pooling
    otherwise (odd sizes). ``CFB`` is
    :func:`~mmbin.ops.channel_adaptive_bypass`.

    Args:
        x (Tensor): Input ``(N, C_in, H, W)``.
        out_hw (tuple[int, int]): Output ``(H_out, W_out)``, at most the
            input size.
        out_channels (int): ``C_out``.

    Returns:
        Tensor: ``(N, C_out, H_out, W_out)``.
    """
    # int(): under torch.jit.trace, sizes are traced tensors
    in_hw = (int(x.shape[-2]), int(x.shape[-1]))
    out_hw = (int(out_hw[0]), int(out_hw[1]))
    if in_hw != out_hw:
        if all(i >= o and i % o == 0 for i, o in zip(in_hw, out_hw)):
            k = (in_hw[0] // out_hw[0], in_hw[1] // out_hw[1])
            x = F.avg_pool2d(x, k, k)
        else:
            x = F.adaptive_avg_pool2d(x, out_hw)
    return channel_adaptive_bypass(x, out_channels)


@register_layer
class CFBConv2d(BinaryConv2d):
    """``y = BN(conv(x)) + CFB(P(x), C_out)`` with any binarizer pair.

    The BiDense convolution unit (see :class:`BiDenseConv`) with the
    binarizers left free, so that baselines and full-precision twins keep
    BiDense's architecture (its BN placement and its bypass around every
    convolution) and differ only in the convolution itself::

        BNN:       dict(type='CFBConv2d')          # SignSTE, SignWeight
        ReActNet:  dict(type='CFBConv2d', act_binarizer=dict(type='RSign'),
                        weight_binarizer=dict(type='XNORWeight'))
        FP twin:   dict(type='CFBConv2d', act_binarizer=None,
                        weight_binarizer=None)

    ``P`` and ``CFB`` are as in :func:`pooled_bypass`. The layer takes
    ``nn.Conv2d``'s arguments, so it is a ``conv_cfg`` of any mmcv/mmseg
    model. Since it brings its own norm, an mmcv ``ConvModule`` around it
    should have ``norm_cfg=None`` (otherwise a second norm follows the sum).

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation,
        groups, bias, padding_mode, device, dtype: As in ``nn.Conv2d``.
        act_binarizer (dict | None): Activation binarizer config, ``None``
            for real-valued activations. Defaults to
            ``dict(type='SignSTE')``.
        weight_binarizer (dict | None): Weight binarizer config, ``None``
            for real-valued weights. Defaults to ``dict(type='SignWeight')``.
        pad_value (float): Value of padded taps of a binarized input:
            ``1.0`` or ``-1.0`` (two-valued, what a bit-packed kernel
            computes), or ``0.0``: zero padding of the binarized input
            *after* its scale, as the BiDense reference code does
            (``F.conv2d(alpha * sign(s), W, padding=p)``). Defaults to 1.0.
        weight_init_std (float | None): Initialise the latent weight with
            ``normal(0, weight_init_std)`` (the BiDense reference uses
            ``1e-3`` for every binary weight); ``None`` keeps PyTorch's
            default initialisation. Defaults to None.
        norm_cfg (dict | None): Norm after the convolution, before the sum.
            ``None`` leaves it out. Defaults to ``dict(type='BN')``.
        with_bypass (bool): Add ``CFB(P(x))``. ``False`` (with
            ``norm_cfg=None``) leaves the bare convolution, for hosts that
            add their own norm and bypass, e.g. mmbin's ``BypassConvModule``
            with ``bypass=True``. Defaults to True.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self,
                 *args,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 with_bypass: bool = True,
                 pad_value: float = 1.0,
                 weight_init_std: Optional[float] = None,
                 **kwargs) -> None:
        if pad_value not in PAD_VALUES:
            raise ValueError(f'{type(self).__name__}: pad_value must be one '
                             f'of {PAD_VALUES} (0.0 = zero padding of the '
                             f'scaled binary input, as the BiDense reference),'
                             f' got {pad_value!r}')
        # BinaryConv2d allows only the two-valued pads; 0.0 is set below
        super().__init__(*args, pad_value=pad_value or 1.0, **kwargs)
        self.pad_value = float(pad_value)
        self.weight_init_std = weight_init_std
        if weight_init_std is not None:
            if not weight_init_std > 0:
                raise ValueError(f'{type(self).__name__}: weight_init_std '
                                 f'must be positive or None, got '
                                 f'{weight_init_std!r}')
            nn.init.normal_(self.weight, 0.0, float(weight_init_std))
        self.norm_cfg = norm_cfg
        if norm_cfg is None:
            self.bn = None
        else:
            self.bn = build_norm_layer(norm_cfg, self.out_channels)[1]
        self.with_bypass = with_bypass
        self.bypass = CFB(self.out_channels) if with_bypass else None

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv_binary(x)
        if self.bn is not None:
            out = self.bn(out)
        if self.bypass is None:
            return out
        return out + pooled_bypass(x, out.shape[-2:], self.out_channels)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if not self.with_bypass:
            s += ', with_bypass=False'
        return s


@register_layer
class BiDenseConv(CFBConv2d):
    """Binary convolution block of BiDense (Yin et al., 2024)::

        y = BN(BinConv(DAB(x))) + CFB(P(x), C_out)

    with ``DAB`` activations and ``XNORWeight`` weights (fixed; use
    :class:`CFBConv2d` for other binarizers). ``P`` is the identity when the
    convolution keeps the spatial size and average pooling to the output
    size otherwise (``AvgPool2d(s)`` for a stride-``s`` convolution on a
    size divisible by ``s``; adaptive average pooling when not divisible).
    ``CFB`` is the parameter-free channel-adaptive bypass
    (:func:`~mmbin.ops.channel_adaptive_bypass`), so every binary
    convolution has a real-valued shortcut even when the channel count
    changes.

    **Scale placement** (``scale_mode``). DAB returns ``b = sign(s)`` and a
    scale ``alpha[n, c]`` per sample and *input* channel. Padding pads ``b``
    with ``pad_value`` before any scale, ``Wb = XNORWeight(W) = w_o *
    sign(W)``:

    - ``'input'`` (default, the paper)::

          BinConv = conv2d(pad(b) * alpha, Wb) + bias

      ``alpha`` sits inside the channel sum, so a bit-packed
      XNOR-popcount kernel cannot compute it.
    - ``'output'`` (deployable)::

          beta[n, o] = mean_{c in G(o)} alpha[n, c]
          BinConv    = beta[n, o] * conv2d(pad(b), Wb)[n, o] + bias[o]

      ``G(o)`` are the input channels of output ``o``'s group: all of them
      for ``groups=1`` (``beta`` is then one scalar per sample), channel
      ``o`` alone for a depthwise convolution (exact: equals ``'input'``).
      ``conv2d(pad(b), Wb)[n, o] = w_o * (K - 2 popcount(b XOR sign W))``
      for ``K = C_in/groups * kh * kw`` taps, so a deployed layer is a
      binary convolution followed by one multiply per sample and output
      channel by ``beta[n, o] * w_o`` (then the BN affine, foldable
      into the same multiply-add). ``beta`` needs only the per-channel
      spatial mean of ``|s|`` of the input, computed in full precision
      before the packing (:meth:`output_scale`).
    - ``'sample'``: ``beta[n] = mean_c alpha[n, c]`` for every output
      channel (a per-sample scalar even for depthwise convolutions).

    See :func:`~mmbin.ops.dab.dab_output_scale`. The surrogate gradients are
    unchanged (ApproxSign on ``s``; ``k, b, a`` of DAB learn through ``s``
    and ``beta``).

    Arguments as ``nn.Conv2d`` plus ``pad_value``, ``norm_cfg`` and
    ``with_bypass`` (see :class:`CFBConv2d`). When an mmcv ``ConvModule``
    with a ``norm_cfg`` wraps this layer, its norm follows the sum (two norms
    in a row): give the ``ConvModule`` ``norm_cfg=None`` (docs/bidense.md).

    Args:
        scale_mode (str): ``'input'``, ``'output'`` or ``'sample'``, see
            above. Defaults to ``'input'``.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self, *args, scale_mode: str = 'input', **kwargs) -> None:
        for key in ('act_binarizer', 'weight_binarizer'):
            if key in kwargs:
                raise TypeError(f'BiDenseConv fixes {key} (DAB, XNORWeight); '
                                f'got {key}={kwargs[key]!r}. Use '
                                'type="CFBConv2d" to pick binarizers.')
        if scale_mode not in DAB_SCALE_MODES:
            raise ValueError(f'BiDenseConv: scale_mode must be one of '
                             f'{DAB_SCALE_MODES}, got {scale_mode!r}')
        super().__init__(
            *args,
            act_binarizer=dict(type='DAB'),
            weight_binarizer=dict(type='XNORWeight'),
            **kwargs)
        self.scale_mode = scale_mode

    def output_scale(self, x: Tensor) -> Tensor:
        """The factor ``beta`` that ``scale_mode='output'`` (or
        ``'sample'``) applies after the convolution.

        Args:
            x (Tensor): Real-valued input ``(N, C_in, H, W)``.

        Returns:
            Tensor: ``beta`` of shape ``(N, C_out, 1, 1)``.
        """
        mode = 'output' if self.scale_mode == 'input' else self.scale_mode
        _, alpha = self.act_binarizer.binarize(x)
        return dab_output_scale(alpha, self.out_channels, self.groups, mode)

    def conv_binary(self, x: Tensor) -> Tensor:
        if self.scale_mode == 'input':
            return super().conv_binary(x)
        self.check_input(x)
        b, alpha = self.act_binarizer.binarize(x)
        beta = dab_output_scale(alpha, self.out_channels, self.groups,
                                self.scale_mode)
        out = F.conv2d(
            self._pad_binary(b), self.binary_weight(), None, self.stride, 0,
            self.dilation, self.groups) * beta
        if self.bias is not None:
            out = out + self.bias.view(1, -1, 1, 1)
        return out

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.scale_mode != 'input':
            s += f', scale_mode={self.scale_mode}'
        return s


class NormBypass(nn.Module):
    """``y = norm(layer(x)) + CFB(R(x), C_out)`` around a layer that has no
    bypass of its own.

    Gives a bare (binary or full-precision) convolution or transposed
    convolution the structure of :class:`BiDenseConv` /
    :class:`~mmbin.ops.BiDenseConvTranspose2d`, so that a model built with
    ``conv_cfg=dict(type='ReActConv')`` or ``conv_cfg=None`` has BiDense's
    architecture. ``R`` resamples ``x`` to the output size: pooling as in
    :func:`pooled_bypass` when the layer shrinks the map, nearest-neighbour
    up-sampling when it enlarges it (BiDense's up-sampling bypass).

    Args:
        layer (nn.Module): The convolution; must expose ``out_channels``.
        norm_cfg (dict | None): Norm after ``layer``. Defaults to
            ``dict(type='BN')``.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self, layer: nn.Module,
                 norm_cfg: Optional[dict] = dict(type='BN')) -> None:
        super().__init__()
        if not hasattr(layer, 'out_channels'):
            raise TypeError(f'NormBypass: {type(layer).__name__} has no '
                            f'out_channels attribute')
        self.layer = layer
        self.out_channels = layer.out_channels
        self.bn = None if norm_cfg is None else build_norm_layer(
            norm_cfg, self.out_channels)[1]

    def forward(self, x: Tensor) -> Tensor:
        out = self.layer(x)
        if self.bn is not None:
            out = self.bn(out)
        out_hw = (int(out.shape[-2]), int(out.shape[-1]))
        if out_hw[0] > int(x.shape[-2]) or out_hw[1] > int(x.shape[-1]):
            identity = channel_adaptive_bypass(
                F.interpolate(x, size=out_hw, mode='nearest'),
                self.out_channels)
        else:
            identity = pooled_bypass(x, out_hw, self.out_channels)
        return out + identity


def has_own_bypass(layer: nn.Module) -> bool:
    """Whether ``layer`` already adds BiDense's bypass (a
    :class:`CFBConv2d` with ``with_bypass=True``, or a
    :class:`~mmbin.ops.BiDenseConvTranspose2d`)."""
    return getattr(layer, 'bypass', None) is not None and isinstance(
        getattr(layer, 'bypass'), CFB)
