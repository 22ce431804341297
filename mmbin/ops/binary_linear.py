# Copyright (c) mmbin contributors. All rights reserved.
"""BinaryLinear: a fully-connected layer with binarized activations and
mean-centred binary weights (the BiDense reference's ``BinaryLinear``, with
the weight options of its BiViT linears), and its 1-D channel-adaptive
bypass."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

from .base_binarizer import build_act_binarizer
from .registry import register_layer
from .sign import binary_sign, straight_through

__all__ = ['BinaryLinear', 'channel_adaptive_bypass_1d', 'WEIGHT_SCALES_1D']

#: ``weight_scale`` options of :class:`BinaryLinear`.
WEIGHT_SCALES_1D = ('mean_abs', 'learnable')


def channel_adaptive_bypass_1d(x: Tensor, out_features: int) -> Tensor:
    """BiDense's 1-D channel-adaptive bypass: map the last dimension of
    ``x`` (``C_in`` features) to ``out_features``.

    - ``C_out == C_in``: identity;
    - ``C_out > C_in``: ``x`` tiled ``C_out // C_in`` times, then
      ``r = C_out % C_in`` merged features;
    - merged features (``r = C_out`` when ``C_out < C_in``): with ``g =
      C_in // r``, output ``j < r - 1`` is the mean of the *contiguous*
      inputs ``j g, ..., j g + g - 1``; the last output is the mean of the
      remaining ``C_in - g (r - 1)`` inputs.

    The reference's 1-D bypass groups contiguous features, unlike its 2-D
    bypass (:func:`~mmbin.ops.channel_adaptive_bypass`), which groups with
    stride ``r - 1``.

    Args:
        x (Tensor): Input ``(..., C_in)``.
        out_features (int): ``C_out``.

    Returns:
        Tensor: ``(..., C_out)``.
    """
    if x.dim() < 1:
        raise ValueError('channel_adaptive_bypass_1d expects an input with '
                         f'a feature dimension, got shape {tuple(x.shape)}')
    if not isinstance(out_features, int) or out_features < 1:
        raise ValueError('channel_adaptive_bypass_1d: out_features must be '
                         f'a positive int, got {out_features!r}')
    c = int(x.shape[-1])
    if out_features == c:
        return x
    times, rest = divmod(out_features, c)
    parts = [x] * times
    if rest:
        g = c // rest
        head = g * (rest - 1)
        if rest > 1:
            parts.append(x[..., :head].unflatten(-1, (rest - 1, g)).mean(-1))
        parts.append(x[..., head:].mean(-1, keepdim=True))
    return torch.cat(parts, dim=-1)


@register_layer
class BinaryLinear(nn.Linear):
    """Linear layer of binarized activations and binary weights (BiDense)::

        a   = act_binarizer(x + b)                  b: LearnableBias (0 init)
        c   = W - mean_row(W)                       mean-centred rows
        Wb  = s_o * sign(c)                         s_o = mean_row(|W|)
        y   = a @ Wb^T + bias
        y   = LN(y) + CFB_1d(x, C_out)              with_bypass=True

    ``b`` and the bypass act on the last dimension (features), so the input
    may be ``(N, C)`` or ``(B, tokens, C)``. ``s_o`` is computed from the
    un-centred weight, as in the reference. Weight gradient: the clipped
    straight-through estimator through ``c`` (so through the centring:
    ``dL/dW = g - mean_row(g)`` with ``g = dL/dWb * 1[|c| <= 1]``).

    Options that express the reference's other binary linears
    (``binary/bivit.py``, used by its newest DPT backbone):

    - ``weight_scale='learnable'``: ``s_o`` is a parameter initialised to
      ``mean_row(|W|)`` of the initial weight (BiViT's parameterised weight
      scale); the weight gradient is then ``s_o * g`` and ``s`` learns.
    - ``scale_weight_grad=True`` with ``'mean_abs'``: the same gradient
      ``s_o * g`` with the detached scale (BiViT's ``BinaryLinear_STE``).
    - ``act_binarizer=dict(type='SignSTE')``, ``act_bias=False``: sign with
      the clipped STE and no shift.
    - ``weight_init_std=None`` and ``weight_init_bound``: PyTorch's default
      initialisation, or ``uniform(-bound, bound)`` (BiViT: 0.015).

    Deviation kept from the reference (as in every mmbin binarizer):
    ``sign(0) = +1`` where ``torch.sign`` gives 0 (a bit-packed kernel has
    two values); only exact zeros differ.

    Args:
        in_features (int): Input features.
        out_features (int): Output features.
        bias (bool): Learnable output bias. Defaults to True.
        act_binarizer (dict | None): Activation binarizer config, ``None``
            for real-valued inputs (a weight-only binary layer). Defaults to
            ``dict(type='ApproxSign')``.
        act_bias (bool): Learnable shift ``b`` of the input before the
            binarizer (the reference's ``LearnableBias1D``). Defaults to
            True.
        weight_scale (str): ``'mean_abs'`` (detached ``mean_row(|W|)``) or
            ``'learnable'``. Defaults to ``'mean_abs'``.
        scale_weight_grad (bool): Multiply the weight's surrogate gradient
            by the scale (BiViT); must be True with ``'learnable'``.
            Defaults to False.
        with_bypass (bool): ``LN(y) + CFB_1d(x)`` after the product (the
            reference's ``bypass=True``, its default). Defaults to True.
        norm_cfg (dict): Norm of the bypass form. Defaults to
            ``dict(type='LN', eps=1e-6)``.
        weight_init_std (float | None): ``normal(0, std)`` initialisation of
            the latent weight (the reference: 1e-3). Defaults to 1e-3.
        weight_init_bound (float | None): ``uniform(-bound, bound)``
            initialisation instead (exclusive with ``weight_init_std``).
            Defaults to None.
        device, dtype: As in ``nn.Linear``.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
        - He et al., "BiViT: Extremely Compressed Binary Vision
          Transformers", ICCV 2023. https://arxiv.org/abs/2211.07091
        - Liu et al., "Bi-Real Net", ECCV 2018.
          https://arxiv.org/abs/1808.00278
    """

    def __init__(self,
                 in_features: int,
                 out_features: int,
                 bias: bool = True,
                 device=None,
                 dtype=None,
                 *,
                 act_binarizer: Optional[dict] = dict(type='ApproxSign'),
                 act_bias: bool = True,
                 weight_scale: str = 'mean_abs',
                 scale_weight_grad: bool = False,
                 with_bypass: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 weight_init_std: Optional[float] = 1e-3,
                 weight_init_bound: Optional[float] = None) -> None:
        super().__init__(
            in_features, out_features, bias=bias, device=device, dtype=dtype)
        name = type(self).__name__
        if weight_scale not in WEIGHT_SCALES_1D:
            raise ValueError(f'{name}: weight_scale must be one of '
                             f'{WEIGHT_SCALES_1D}, got {weight_scale!r}')
        if weight_scale == 'learnable' and not scale_weight_grad:
            raise ValueError(f'{name}: a learnable weight scale multiplies '
                             'the surrogate gradient; set '
                             'scale_weight_grad=True')
        if weight_init_std is not None and weight_init_bound is not None:
            raise ValueError(f'{name}: give weight_init_std or '
                             'weight_init_bound, not both (set the other to '
                             'None)')
        for key, value in (('weight_init_std', weight_init_std),
                           ('weight_init_bound', weight_init_bound)):
            if value is not None and not value > 0:
                raise ValueError(f'{name}: {key} must be positive or None, '
                                 f'got {value!r}')
        self.weight_init_std = weight_init_std
        self.weight_init_bound = weight_init_bound
        self.act_binarizer = build_act_binarizer(
            None if act_binarizer is None else dict(act_binarizer),
            channels=in_features)
        if getattr(self.act_binarizer, 'requires_channels', False):
            raise TypeError(f'{name}: act_binarizer '
                            f'{type(self.act_binarizer).__name__} has '
                            'per-channel parameters laid out on dim 1; a '
                            'linear layer binarizes the last dimension. Use '
                            'a parameter-free binarizer (ApproxSign, '
                            'SignSTE) with act_bias=True for the shift.')
        self.act_bias = nn.Parameter(
            torch.zeros(in_features, device=device,
                        dtype=dtype)) if act_bias else None
        self.weight_scale_mode = weight_scale
        self.scale_weight_grad = scale_weight_grad
        self.weight_scale = nn.Parameter(
            self.weight.new_ones(out_features, 1)) \
            if weight_scale == 'learnable' else None
        self.with_bypass = with_bypass
        self.norm = build_norm_layer(norm_cfg, out_features)[1] \
            if with_bypass else None
        self.init_binary_weight()

    @torch.no_grad()
    def init_binary_weight(self) -> None:
        """(Re-)apply the configured initialisation of ``weight`` (and of a
        learnable scale, ``mean_row(|W|)`` of the new weight). Hosts whose
        ``init_weights`` re-initialise every ``nn.Linear`` (mmseg's
        VisionTransformer) call it afterwards (see
        :func:`~mmbin.ops.swap_linear_layers`)."""
        if self.weight_init_std is not None:
            nn.init.normal_(self.weight, 0.0, float(self.weight_init_std))
        elif self.weight_init_bound is not None:
            bound = float(self.weight_init_bound)
            nn.init.uniform_(self.weight, -bound, bound)
        if self.weight_scale is not None:
            self.weight_scale.copy_(
                self.weight.abs().mean(dim=1, keepdim=True))

    # flags read by complexity accounting (mmbin.analysis) and deployment
    @property
    def binarized_input(self) -> bool:
        """bool: Whether the input is binarized."""
        return self.act_binarizer is not None

    @property
    def binarized_weight(self) -> bool:
        """bool: Always True: ``weight`` is stored as 1 bit per entry."""
        return True

    def binary_weight(self) -> Tensor:
        """Tensor: ``s_o * sign(W - mean_row(W))`` with the configured
        surrogate gradient, shape ``(C_out, C_in)``."""
        centred = self.weight - self.weight.mean(dim=-1, keepdim=True)
        sign = binary_sign(centred)
        clipped = centred.clamp(-1, 1)
        if self.weight_scale is not None:
            return self.weight_scale * straight_through(sign, clipped)
        scale = self.weight.detach().abs().mean(dim=1, keepdim=True)
        if self.scale_weight_grad:
            return scale * straight_through(sign, clipped)
        return straight_through(scale * sign, clipped)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f'{type(self).__name__} was built for '
                             f'{self.in_features} input features (last '
                             f'dimension), got shape {tuple(x.shape)}')
        a = x if self.act_bias is None else x + self.act_bias
        if self.act_binarizer is not None:
            a = self.act_binarizer(a)
        out = F.linear(a, self.binary_weight(), self.bias)
        if self.norm is not None:
            out = self.norm(out) + channel_adaptive_bypass_1d(
                x, self.out_features)
        return out

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.weight_scale_mode != 'mean_abs':
            s += f', weight_scale={self.weight_scale_mode}'
        if self.scale_weight_grad:
            s += ', scale_weight_grad=True'
        if not self.with_bypass:
            s += ', with_bypass=False'
        return s
