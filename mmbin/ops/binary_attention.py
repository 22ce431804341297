# Copyright (c) mmbin contributors. All rights reserved.
"""Binarized multi-head self-attention of the BiDense reference's ViT:
binary q, k, v and a softmax-aware binary attention map (BiViT)."""
import copy
from typing import Optional

import torch.nn as nn
from torch import Tensor

from .base_binarizer import build_act_binarizer
from .registry import get_layer_class, register_layer
from .sign import straight_through

__all__ = [
    'softmax_binary_map', 'BinaryAttentionCore', 'BinaryAttention',
    'build_linear'
]


def softmax_binary_map(logits: Tensor, threshold: float = 0.25) -> Tensor:
    """Softmax-aware binarization of an attention map (BiViT).

    Forward: ``p = softmax(logits)`` over the last dimension and
    ``1[p >= threshold * max_j p]`` (a 0/1 map, not renormalised); backward:
    the gradient of ``p`` (straight through the threshold).

    Args:
        logits (Tensor): Attention logits ``(..., queries, keys)``.
        threshold (float): Fraction of each row's maximum. Defaults to 0.25
            (the reference).

    Returns:
        Tensor: The 0/1 map, same shape, with the softmax's gradient.
    """
    if not 0 < threshold <= 1:
        raise ValueError('softmax_binary_map: threshold must be in (0, 1], '
                         f'got {threshold!r}')
    p = logits.softmax(dim=-1)
    peak = p.detach().amax(dim=-1, keepdim=True)
    mask = (p.detach() >= threshold * peak).to(p.dtype)
    return straight_through(mask, p)


class BinaryAttentionCore(nn.Module):
    """The two products of attention, ``map(q k^T * scale) @ v``, as one
    leaf module, so that complexity accounting counts them as BOPs when
    ``q, k, v`` and the map are all binary.

    Args:
        head_dims (int): Features per head (``scale = head_dims ** -0.5``).
        threshold (float | None): :func:`softmax_binary_map`'s threshold;
            ``None`` for the full-precision softmax.
        attn_drop (float): Dropout on the logits (before the map, as the
            reference). Defaults to 0.
        binary_operands (bool): Whether ``q, k, v`` are binary (set by the
            host attention). Defaults to True.
    """

    def __init__(self,
                 head_dims: int,
                 threshold: Optional[float] = 0.25,
                 attn_drop: float = 0.0,
                 binary_operands: bool = True) -> None:
        super().__init__()
        self.scale = head_dims**-0.5
        self.threshold = threshold
        self.attn_drop = nn.Dropout(attn_drop)
        self.binary_operands = binary_operands

    @property
    def binarized_input(self) -> bool:
        """bool: Both products have binary operands (q, k, v and the map)."""
        return self.binary_operands and self.threshold is not None

    @property
    def binarized_weight(self) -> bool:
        """bool: The "weight" of a product of activations is its second
        operand (k, v), binary under the same condition."""
        return self.binarized_input

    def forward(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        logits = self.attn_drop(q @ k.transpose(-2, -1) * self.scale)
        if self.threshold is None:
            attn = logits.softmax(dim=-1)
        else:
            attn = softmax_binary_map(logits, self.threshold)
        return attn @ v

    def extra_repr(self) -> str:
        return f'scale={self.scale:.4g}, threshold={self.threshold}'


@register_layer
class BinaryAttention(nn.Module):
    """Multi-head self-attention of the BiDense reference ViT::

        qkv     = qkv_linear(x)                             (B, N, 3C)
        q, k, v = qkv_binarizer(qkv + b)                    b: LearnableBias
        x       = map(q k^T / sqrt(d)) @ v                  per head
        out     = proj_linear(x)

    ``map`` is :func:`softmax_binary_map` (threshold 0.25 of the row
    maximum, softmax gradient). The reference's BiDense ViT
    (``models/dpt/backbones/bidense_vit.py``) has ``b`` and ApproxSign and
    its ``BinaryLinear`` without bypass as both linears; its newest DPT
    backbone (``bivit_vit.py``) has no ``b``, sign with the clipped STE and
    BiViT's linears (learnable weight scale). ``qkv_binarizer=None`` and
    ``threshold=None`` with ``linear_cfg=None`` give the full-precision
    attention of the same graph.

    Args:
        embed_dims (int): ``C``.
        num_heads (int): Heads; must divide ``C``.
        qkv_bias (bool): Bias of the qkv linear. Defaults to True.
        proj_bias (bool): Bias of the output linear. Defaults to True.
        linear_cfg (dict | None): Config of both linears (a registered
            linear layer taking ``(in, out, bias=...)``), ``None`` for
            ``nn.Linear``. Defaults to ``dict(type='BinaryLinear',
            with_bypass=False)``.
        qkv_binarizer (dict | None): Binarizer of q, k, v. Defaults to
            ``dict(type='ApproxSign')``.
        qkv_act_bias (bool): Learnable shift ``b`` (3C) before it. Defaults
            to True.
        threshold (float | None): Attention-map threshold, ``None`` for the
            softmax. Defaults to 0.25.
        attn_drop (float): Dropout on the attention logits. Defaults to 0.
        proj_drop (float): Dropout after the output linear. Defaults to 0.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
        - He et al., "BiViT: Extremely Compressed Binary Vision
          Transformers", ICCV 2023. https://arxiv.org/abs/2211.07091
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 qkv_bias: bool = True,
                 proj_bias: bool = True,
                 linear_cfg: Optional[dict] = dict(
                     type='BinaryLinear', with_bypass=False),
                 qkv_binarizer: Optional[dict] = dict(type='ApproxSign'),
                 qkv_act_bias: bool = True,
                 threshold: Optional[float] = 0.25,
                 attn_drop: float = 0.0,
                 proj_drop: float = 0.0) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'BinaryAttention: num_heads={num_heads} does '
                             f'not divide embed_dims={embed_dims}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.qkv = build_linear(linear_cfg, embed_dims, 3 * embed_dims,
                                qkv_bias)
        self.qkv_act_bias = nn.Parameter(
            self.qkv.weight.new_zeros(3 * embed_dims)) if qkv_act_bias \
            else None
        self.qkv_binarizer = build_act_binarizer(
            copy.deepcopy(qkv_binarizer))
        if getattr(self.qkv_binarizer, 'requires_channels', False):
            raise TypeError('BinaryAttention: qkv_binarizer must be '
                            'parameter-free (ApproxSign, SignSTE); use '
                            'qkv_act_bias for a learnable shift')
        self.core = BinaryAttentionCore(
            embed_dims // num_heads,
            threshold=threshold,
            attn_drop=attn_drop,
            binary_operands=self.qkv_binarizer is not None)
        self.proj = build_linear(linear_cfg, embed_dims, embed_dims,
                                 proj_bias)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.shape[-1] != self.embed_dims:
            raise ValueError(f'BinaryAttention expects (B, N, '
                             f'{self.embed_dims}) tokens, got shape '
                             f'{tuple(x.shape)}')
        b, n, c = x.shape
        qkv = self.qkv(x)
        if self.qkv_act_bias is not None:
            qkv = qkv + self.qkv_act_bias
        if self.qkv_binarizer is not None:
            qkv = self.qkv_binarizer(qkv)
        qkv = qkv.reshape(b, n, 3, self.num_heads,
                          c // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        out = self.core(q, k, v).transpose(1, 2).reshape(b, n, c)
        return self.proj_drop(self.proj(out))


def build_linear(cfg: Optional[dict], in_features: int, out_features: int,
                 bias: bool = True) -> nn.Module:
    """Build a linear layer from a config (``None``: ``nn.Linear``).

    Args:
        cfg (dict | None): ``dict(type=..., **kwargs)`` of a registered
            layer whose constructor takes ``(in_features, out_features,
            bias=...)`` (``'BinaryLinear'``, ``'Linear'``).
        in_features (int): Input features.
        out_features (int): Output features.
        bias (bool): Whether the layer has a bias. Defaults to True.

    Returns:
        nn.Module: The layer.
    """
    if cfg is None:
        return nn.Linear(in_features, out_features, bias=bias)
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError('linear_cfg must be None or a dict with a "type" '
                        f'key, got {cfg!r}')
    args = dict(cfg)
    cls = get_layer_class(args.pop('type'), 'linear_cfg')
    return cls(in_features, out_features, bias=bias, **args)
