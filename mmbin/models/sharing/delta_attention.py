# Copyright (c) mmbin contributors. All rights reserved.
"""Self-attention with per-task weight deltas and shared activations."""
import math
from typing import Iterable, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .delta_layer import DeltaLayerMixin
from .delta_linear import DeltaLinear, linear_changed_tokens
from .sharing_context import SharingContext

__all__ = ['DeltaMultiheadAttention']


def _same_tensor(a: Tensor, b: Tensor) -> bool:
    """Whether two tensors are views of the same memory with equal layout
    (mmcv's wrapper transposes query, key and value separately)."""
    return a is b or (a.shape == b.shape and a.stride() == b.stride()
                      and a.data_ptr() == b.data_ptr()
                      and a.dtype == b.dtype)


class DeltaMultiheadAttention(DeltaLayerMixin, nn.Module):
    """Drop-in for ``nn.MultiheadAttention`` (self-attention) with shared
    activations and per-task deltas of ``in_proj_weight`` / ``in_proj_bias``
    and of the output projection.

    Torch's attention reads its packed input projection as a bare parameter
    inside ``F.multi_head_attention_forward``, where no wrapper can reach
    it, so the forward is written out here (same arithmetic as torch's
    ``need_weights`` path): the input projection (its ``qkv`` output, as
    the reference code's ``attn.qkv``) and the output projection (a
    :class:`DeltaLinear`, the reference's ``attn.proj``) share their
    outputs (or inputs, ``activation_side='input'``) with the base task;
    the two attention products ``Q K^T`` and ``A V`` have no weights and
    are counted in full for every task.

    Only what mmseg's ``VisionTransformer`` uses is supported: one packed
    projection (``kdim == vdim == embed_dim``), no ``bias_k`` / ``bias_v``,
    no ``add_zero_attn``, no masks, ``key`` and ``value`` the query itself.
    Parameter names match ``nn.MultiheadAttention``'s, so its checkpoints
    load unchanged.

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """

    shared_param_names = ('in_proj_weight', 'in_proj_bias')

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.,
                 batch_first: bool = False) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f'DeltaMultiheadAttention: embed_dim '
                             f'{embed_dim} is not divisible by num_heads '
                             f'{num_heads}')
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.in_proj_weight = nn.Parameter(
            torch.empty(3 * embed_dim, embed_dim))
        self.in_proj_bias: Optional[nn.Parameter] = nn.Parameter(
            torch.zeros(3 * embed_dim))
        self.out_proj: nn.Linear = nn.Linear(embed_dim, embed_dim)

    @classmethod
    def _empty_like(cls, attn: nn.MultiheadAttention,
                    key: str) -> 'DeltaMultiheadAttention':
        """An attention layer with ``attn``'s sizes.

        Raises:
            ValueError: If ``attn`` uses a feature not supported here.
        """
        bad = []
        if not attn._qkv_same_embed_dim:
            bad.append('separate q/k/v projections (kdim/vdim)')
        if attn.bias_k is not None or attn.bias_v is not None:
            bad.append('bias_k/bias_v')
        if attn.add_zero_attn:
            bad.append('add_zero_attn')
        if bad:
            raise ValueError(f'DeltaMultiheadAttention: {key} uses '
                             f'{", ".join(bad)}, which computation sharing '
                             f'does not support; exclude it with '
                             f'sharing.exclude')
        return cls(attn.embed_dim, attn.num_heads, attn.dropout,
                   attn.batch_first)

    def _wrap_children(self, attn: nn.MultiheadAttention, key: str,
                       tasks: Iterable[str],
                       context: Optional[SharingContext],
                       delta_cfg: Optional[dict]) -> None:
        """The output projection becomes a :class:`DeltaLinear`."""
        self.out_proj = DeltaLinear.from_module(attn.out_proj,
                                                key + '.out_proj', tasks,
                                                context, delta_cfg)

    def set_sharing_context(self, context: Optional[SharingContext]) -> None:
        """Attach this layer and its output projection to ``context``."""
        super().set_sharing_context(context)
        if isinstance(self.out_proj, DeltaLinear):
            self.out_proj.set_sharing_context(context)

    def forward(self,
                query: Tensor,
                key: Optional[Tensor] = None,
                value: Optional[Tensor] = None,
                key_padding_mask: Optional[Tensor] = None,
                need_weights: bool = True,
                attn_mask: Optional[Tensor] = None,
                average_attn_weights: bool = True,
                is_causal: bool = False) -> Tuple[Tensor, None]:
        """Self-attention of ``query`` (``(L, N, E)``, or ``(N, L, E)``
        with ``batch_first``).

        Returns:
            tuple[Tensor, None]: The output (shaped like ``query``) and
            None in place of the attention weights.
        """
        for name, other in (('key', key), ('value', value)):
            if other is not None and not _same_tensor(other, query):
                raise ValueError(f'DeltaMultiheadAttention ({self.share_key}'
                                 f'): only self-attention is supported; '
                                 f'{name} differs from query')
        if key_padding_mask is not None or attn_mask is not None \
                or is_causal:
            raise ValueError(f'DeltaMultiheadAttention ({self.share_key}): '
                             'attention masks are not supported')
        x = query.transpose(0, 1) if self.batch_first else query
        length, batch, embed = x.shape
        heads, head_dim = self.num_heads, self.head_dim
        x, info = self.share_input(x)
        weight = self.task_param('in_proj_weight')
        bias = self.task_param('in_proj_bias')
        ref = self._skip_reference(x)
        if ref is not None:  # only the tokens whose input changed
            qkv = linear_changed_tokens(x, weight, bias, ref)
        else:
            qkv = F.linear(x, weight, bias)
        qkv, info = self.share_output(x, qkv, info)
        self.account(length * batch * embed * 3 * embed, info,
                     weight='in_proj_weight')
        q, k, v = qkv.chunk(3, dim=-1)
        q = q.reshape(length, batch * heads, head_dim).transpose(0, 1)
        k = k.reshape(length, batch * heads, head_dim).transpose(0, 1)
        v = v.reshape(length, batch * heads, head_dim).transpose(0, 1)
        attn = torch.bmm(q * math.sqrt(1.0 / head_dim), k.transpose(1, 2))
        attn = attn.softmax(dim=-1)
        if self.training and self.dropout > 0:
            attn = F.dropout(attn, p=self.dropout)
        out = torch.bmm(attn, v)
        self.account(2 * batch * heads * length * length * head_dim, None,
                     suffix='.attention', shared=False)
        out = out.transpose(0, 1).reshape(length, batch, embed)
        out = self.out_proj(out)
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, None
