# Copyright (c) mmbin contributors. All rights reserved.
"""The BiDense reference's binarized ViT (a DINOv2-style ViT-S/14 with binary
linears, binary q, k, v and a binary attention map) as an mmseg backbone."""
import copy
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from mmbin.ops import BinaryAttention, build_linear
from mmbin.ops.registry import build_channel_act

__all__ = ['BiDenseViT', 'BiDenseViTBlock']

ARCH_SETTINGS = {
    # the reference's vit_small (DINOv2 ViT-S)
    'small': dict(embed_dims=384, depth=12, num_heads=6, mlp_ratio=4),
    'base': dict(embed_dims=768, depth=12, num_heads=12, mlp_ratio=4),
}


class _TokenAct(nn.Module):
    """Apply per-channel activations (``LearnableBias``, ``PReLU``: channel
    on dim 1) to tokens ``(B, N, C)`` by moving ``C`` to dim 1, as the
    reference's ``act(x.permute(0, 2, 1)).permute(0, 2, 1)``."""

    def __init__(self, act_cfgs: Sequence[dict], channels: int) -> None:
        super().__init__()
        self.acts = nn.Sequential(*[
            build_channel_act(copy.deepcopy(cfg), channels, 'mlp_act_cfg')
            for cfg in act_cfgs
        ])

    def forward(self, x: Tensor) -> Tensor:
        return self.acts(x.transpose(1, 2)).transpose(1, 2)


class BiDenseViTBlock(nn.Module):
    """Pre-norm transformer block with LayerScale::

        x = x + ls1 * attn(LN(x))
        x = x + ls2 * fc2(drop(act(fc1(LN(x)))))

    Args:
        embed_dims (int): Token features.
        num_heads (int): Attention heads.
        mlp_ratio (float): Hidden features of the MLP over ``embed_dims``.
        attn_cfg (dict): Keyword arguments of :class:`~mmbin.ops.
            BinaryAttention` (besides ``embed_dims``, ``num_heads``).
        mlp_linear_cfg (dict | None): Linear layer of the MLP.
        mlp_act_cfg (list[dict]): Activations between the MLP's linears.
        layer_scale_init (float | None): LayerScale init, ``None`` for
            none.
        drop (float): Dropout in the MLP and after the projection.
        norm_eps (float): LayerNorm epsilon.
    """

    def __init__(self, embed_dims: int, num_heads: int, mlp_ratio: float,
                 attn_cfg: dict, mlp_linear_cfg: Optional[dict],
                 mlp_act_cfg: Sequence[dict],
                 layer_scale_init: Optional[float], drop: float,
                 norm_eps: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.attn = BinaryAttention(
            embed_dims, num_heads, proj_drop=drop, **copy.deepcopy(attn_cfg))
        self.norm2 = nn.LayerNorm(embed_dims, eps=norm_eps)
        hidden = int(embed_dims * mlp_ratio)
        self.fc1 = build_linear(mlp_linear_cfg, embed_dims, hidden)
        self.act = _TokenAct(mlp_act_cfg, hidden)
        self.fc2 = build_linear(mlp_linear_cfg, hidden, embed_dims)
        self.drop = nn.Dropout(drop)
        if layer_scale_init:
            self.ls1 = nn.Parameter(torch.full((embed_dims, ),
                                               float(layer_scale_init)))
            self.ls2 = nn.Parameter(torch.full((embed_dims, ),
                                               float(layer_scale_init)))
        else:
            self.ls1 = self.ls2 = None

    def forward(self, x: Tensor) -> Tensor:
        h = self.attn(self.norm1(x))
        x = x + (h if self.ls1 is None else h * self.ls1)
        h = self.drop(self.fc2(self.drop(self.act(self.fc1(self.norm2(x))))))
        return x + (h if self.ls2 is None else h * self.ls2)


@MODELS.register_module()
class BiDenseViT(BaseModule):
    """Binarized ViT of the BiDense reference's DPT
    (``models/dpt/backbones/bidense_vit.py``; a DINOv2 ViT-S/14 trained from
    scratch).

    Forward::

        x = resize(img, (2 (H // 2p) p, 2 (W // 2p) p))   bilinear, an even
                                                           number of patches
        tokens = [cls; PatchEmbed_pxp(x)] + pos            FP conv; pos_embed
                                                           on a grid of
                                                           img_size // p,
                                                           bicubic-resized
        12 x BiDenseViTBlock                               binary, see below
        outputs of blocks out_indices -> LN (shared)       FP
        -> [(B, C, H/p, W/p) map, (B, C) cls token] each   (mmseg DPTHead's
                                                            input format)

    Block binarization (defaults = the reference's BiDense ViT):
    ``BinaryLinear`` (LearnableBias + ApproxSign, mean-centred XNOR weights,
    no bypass) for qkv, proj, fc1 and fc2; q, k, v binarized by
    LearnableBias + ApproxSign; the attention map by the softmax-aware 0/1
    threshold (:func:`~mmbin.ops.softmax_binary_map`); MLP activation
    LearnableBias + PReLU(hidden); LayerScale 1.0; LayerNorm eps 1e-6.
    The reference's newest commit swapped this for BiViT's ViT
    (``bivit_vit.py``); that form is a config (``docs/bidense.md``).
    ``attn_cfg=dict(linear_cfg=None, qkv_binarizer=None,
    qkv_act_bias=False, threshold=None)``, ``mlp_linear_cfg=None``,
    ``mlp_act_cfg=[dict(type='GELU')]`` give the full-precision DINOv2 ViT.

    Args:
        arch (str | dict): ``'small'`` (384 features, 12 blocks, 6 heads,
            MLP ratio 4) or ``'base'``, or a dict with ``embed_dims``,
            ``depth``, ``num_heads``, ``mlp_ratio``. Defaults to 'small'.
        patch_size (int): Patch size. Defaults to 14.
        img_size (int): Image size of the stored position-embedding grid
            (``img_size // patch_size`` per side). Defaults to 518 (DINOv2).
        in_channels (int): Image channels. Defaults to 3.
        out_indices (Sequence[int]): Blocks whose outputs are returned.
            Defaults to the last four blocks (8, 9, 10, 11 for 12).
        final_norm (bool): LayerNorm on the returned outputs. Defaults to
            True.
        output_cls_token (bool): Return ``[map, cls_token]`` pairs (mmseg
            ``DPTHead``, :class:`~mmbin.models.decode_heads.
            BiDenseDPTHead`); ``False`` returns the maps. Defaults to True.
        resize_input (bool): Resize the image to an even number of patches
            per side, as the reference. ``False`` requires sizes divisible
            by ``patch_size``. Defaults to True.
        interpolate_offset (float): Added to the target grid before the
            bicubic resize of the position embedding (DINOv2). Defaults to
            0.1.
        attn_cfg (dict): :class:`~mmbin.ops.BinaryAttention` options.
        mlp_linear_cfg (dict | None): The MLP's linear layer. Defaults to
            ``dict(type='BinaryLinear', with_bypass=False)``.
        mlp_act_cfg (list[dict]): Activations between the MLP's linears.
            Defaults to ``[LearnableBias, PReLU]`` (per hidden feature).
        layer_scale_init (float | None): Defaults to 1.0 (the reference's
            DINOv2 builder).
        drop_rate (float): Dropout. Defaults to 0.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
        init_cfg (dict, optional): Initialisation config.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
        - Oquab et al., "DINOv2: Learning Robust Visual Features without
          Supervision", 2023. https://arxiv.org/abs/2304.07193
        - He et al., "BiViT: Extremely Compressed Binary Vision
          Transformers", ICCV 2023. https://arxiv.org/abs/2211.07091
    """

    def __init__(self,
                 arch: Union[str, dict] = 'small',
                 patch_size: int = 14,
                 img_size: int = 518,
                 in_channels: int = 3,
                 out_indices: Optional[Sequence[int]] = None,
                 final_norm: bool = True,
                 output_cls_token: bool = True,
                 resize_input: bool = True,
                 interpolate_offset: float = 0.1,
                 attn_cfg: dict = dict(
                     linear_cfg=dict(type='BinaryLinear', with_bypass=False),
                     qkv_binarizer=dict(type='ApproxSign'),
                     qkv_act_bias=True,
                     threshold=0.25),
                 mlp_linear_cfg: Optional[dict] = dict(
                     type='BinaryLinear', with_bypass=False),
                 mlp_act_cfg: Sequence[dict] = (dict(type='LearnableBias'),
                                                dict(type='PReLU')),
                 layer_scale_init: Optional[float] = 1.0,
                 drop_rate: float = 0.0,
                 norm_eps: float = 1e-6,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if isinstance(arch, str):
            if arch not in ARCH_SETTINGS:
                raise ValueError(f'BiDenseViT: unknown arch {arch!r}; use one '
                                 f'of {sorted(ARCH_SETTINGS)} or a dict with '
                                 'embed_dims, depth, num_heads, mlp_ratio')
            arch = ARCH_SETTINGS[arch]
        missing = {'embed_dims', 'depth', 'num_heads', 'mlp_ratio'} - set(arch)
        if missing:
            raise KeyError(f"BiDenseViT: arch {arch!r} lacks "
                           f"{sorted(missing)}")
        self.embed_dims = int(arch['embed_dims'])
        self.depth = int(arch['depth'])
        self.patch_size = int(patch_size)
        if out_indices is None:
            out_indices = tuple(range(max(0, self.depth - 4), self.depth))
        bad = [i for i in out_indices if not -self.depth <= i < self.depth]
        if bad:
            raise ValueError(f'BiDenseViT: out_indices {bad} out of range '
                             f'for {self.depth} blocks')
        out_indices = tuple(int(i) % self.depth for i in out_indices)
        if len(set(out_indices)) != len(out_indices):
            raise ValueError('BiDenseViT: out_indices name a block twice: '
                             f'{out_indices}')
        self.out_indices = out_indices
        self.final_norm = final_norm
        self.output_cls_token = output_cls_token
        self.resize_input = resize_input
        self.interpolate_offset = float(interpolate_offset)

        self.patch_embed = nn.Conv2d(
            in_channels, self.embed_dims, self.patch_size, self.patch_size)
        grid = int(img_size) // self.patch_size
        self.pos_grid = grid
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.pos_embed = nn.Parameter(
            torch.zeros(1, grid * grid + 1, self.embed_dims))
        self.blocks = nn.ModuleList([
            BiDenseViTBlock(
                self.embed_dims,
                int(arch['num_heads']),
                float(arch['mlp_ratio']),
                attn_cfg=attn_cfg,
                mlp_linear_cfg=mlp_linear_cfg,
                mlp_act_cfg=list(mlp_act_cfg),
                layer_scale_init=layer_scale_init,
                drop=drop_rate,
                norm_eps=norm_eps) for _ in range(self.depth)
        ])
        self.norm = nn.LayerNorm(
            self.embed_dims, eps=norm_eps) if final_norm else None

    def _pos_embed(self, h: int, w: int) -> Tensor:
        """Position embedding for an ``h x w`` patch grid (DINOv2's bicubic
        resize with ``interpolate_offset``)."""
        n = self.pos_grid
        if h == n and w == n:
            return self.pos_embed
        cls_pos, patch_pos = self.pos_embed[:, :1], self.pos_embed[:, 1:]
        patch_pos = patch_pos.reshape(1, n, n, -1).permute(0, 3, 1, 2)
        scale = ((h + self.interpolate_offset) / n,
                 (w + self.interpolate_offset) / n)
        patch_pos = F.interpolate(
            patch_pos.float(), scale_factor=scale, mode='bicubic',
            align_corners=False)
        if tuple(patch_pos.shape[-2:]) != (h, w):
            raise RuntimeError(f'BiDenseViT: position grid resized to '
                               f'{tuple(patch_pos.shape[-2:])}, expected '
                               f'{(h, w)}; change interpolate_offset')
        patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(1, h * w, -1)
        return torch.cat([cls_pos, patch_pos.to(cls_pos.dtype)], dim=1)

    def forward(self, x: Tensor) -> tuple:
        """Args:
            x (Tensor): Images ``(B, C, H, W)``.

        Returns:
            tuple: One entry per ``out_indices``: ``[map, cls_token]``
            (``(B, C, h, w)``, ``(B, C)``) or the map alone.
        """
        if x.dim() != 4:
            raise ValueError('BiDenseViT expects images (B, C, H, W), got '
                             f'shape {tuple(x.shape)}')
        p = self.patch_size
        H, W = int(x.shape[-2]), int(x.shape[-1])
        if self.resize_input:
            h, w = (H // (2 * p)) * 2, (W // (2 * p)) * 2
            if h == 0 or w == 0:
                raise ValueError(f'BiDenseViT: input {H}x{W} is smaller than '
                                 f'two patches ({2 * p} px) per side')
            if (h * p, w * p) != (H, W):
                x = F.interpolate(
                    x, (h * p, w * p), mode='bilinear', align_corners=False)
        else:
            if H % p or W % p:
                raise ValueError(f'BiDenseViT: input {H}x{W} is not '
                                 f'divisible by patch_size={p}; set '
                                 'resize_input=True or pad the input')
            h, w = H // p, W // p
        b = x.shape[0]
        tokens = self.patch_embed(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.cls_token.expand(b, -1, -1), tokens], dim=1)
        tokens = tokens + self._pos_embed(h, w)
        outs = []
        for i, block in enumerate(self.blocks):
            tokens = block(tokens)
            if i in self.out_indices:
                out = tokens if self.norm is None else self.norm(tokens)
                fmap = out[:, 1:].transpose(1, 2).reshape(
                    b, self.embed_dims, h, w).contiguous()
                outs.append([fmap, out[:, 0]] if self.output_cls_token
                            else fmap)
        return tuple(outs)

    def init_weights(self) -> None:
        """Keep every layer's own initialisation (the reference trains from
        scratch with DINOv2's ``init_weights`` switched off: zero position
        embedding and class token, PyTorch defaults elsewhere, binary
        linears ``normal(1e-3)``); an ``init_cfg`` (e.g. a checkpoint) is
        applied by :class:`~mmengine.model.BaseModule`."""
        super().init_weights()
