# Copyright (c) mmbin contributors. All rights reserved.
"""Effective MACs of a computation-sharing model.

Dense MACs of the encoder and of every task's decoder come from
:func:`mmbin.analysis.analyze_complexity` (MMEngine's ``FlopAnalyzer``, MAC
ops only, the convention of docs/complexity.md). The delta layers record,
per forward, the dense and the effective MACs of each of their operations
(:meth:`SharingContext.account`); the effective cost of a task is then::

    encoder_dense - sum(dense of its recorded ops) + sum(effective of them)
    + decoder_dense(task)

so everything the delta layers do not cover (norms are not MACs;
unwrapped layers, the decoders and heads) is counted in full.

References:
    S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation Sharing
    for Multi-Task Visual Scene Understanding", ICCV 2023,
    https://arxiv.org/abs/2303.09663 (code:
    https://github.com/sarashoouri/EfficientMTL).
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmbin.analysis.complexity import analyze_complexity

__all__ = ['summarize_records', 'dense_component_macs', 'effective_macs']


def summarize_records(
        records: Sequence[dict]) -> Dict[str, Dict[str, Union[int, float]]]:
    """Sum operation records per task.

    Args:
        records (Sequence[dict]): Records of
            :meth:`SharingContext.account` (``last_records`` of the model).

    Returns:
        dict[str, dict]: ``task -> dict(dense_macs, eff_macs, nnz, numel)``
        where ``nnz`` / ``numel`` count the entries of the shared input
        deltas (cross-task and temporal) of that task.
    """
    out: Dict[str, Dict[str, Union[int, float]]] = {}
    for r in records:
        s = out.setdefault(r['task'],
                           dict(dense_macs=0, eff_macs=0.0, nnz=0, numel=0))
        s['dense_macs'] += r['dense_macs']
        s['eff_macs'] += r['eff_macs']
        if r['kind'] in ('task', 'temporal'):
            s['nnz'] += r['nnz']
            s['numel'] += r['numel']
    return out


class _Encoder(nn.Module):
    """The shared encoder of a sharing model, run as the base task."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.backbone = model.backbone
        self.neck = model.neck

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        x = tuple(self.backbone(x))
        if self.neck is not None:
            x = tuple(self.neck(x))
        return x


class _TaskDecoder(nn.Module):
    """One task's decoder and head."""

    def __init__(self, model: nn.Module, task: str) -> None:
        super().__init__()
        self.decoder = model.decoders[task] \
            if model.decoders is not None else None
        self.head = model.decode_heads[task]

    def forward(self, *feats: Tensor) -> Tensor:
        if self.decoder is not None:
            feats = tuple(self.decoder(feats))
        return self.head(feats)


@torch.no_grad()
def dense_component_macs(model: nn.Module,
                         inputs: Tensor) -> Dict[str, Union[int, dict]]:
    """Dense MACs of the encoder and of each task's decoder and head.

    Args:
        model (SharedMultiTaskEncoderDecoder): The model (eval mode).
        inputs (Tensor): One input ``(1, 3, H, W)`` (per-image figures).

    Returns:
        dict: ``encoder`` (int) and ``decoders`` (``task -> int``).
    """
    ctx = model.sharing_ctx
    was_video, was_stats = ctx.video, ctx.collect_stats
    ctx.video, ctx.collect_stats = False, False
    try:
        with ctx.task_scope(None):
            encoder = _Encoder(model)
            enc = analyze_complexity(encoder, inputs)
            feats = encoder(inputs)
            decoders = {}
            for task in model.decode_heads:
                res = analyze_complexity(_TaskDecoder(model, task), feats)
                decoders[task] = int(res['flops'] + res['bops'])
    finally:
        ctx.video, ctx.collect_stats = was_video, was_stats
        ctx.begin_forward()
    return dict(encoder=int(enc['flops'] + enc['bops']), decoders=decoders)


def effective_macs(component_macs: Dict[str, Union[int, dict]],
                   records: Sequence[dict],
                   tasks: Optional[Sequence[str]] = None,
                   batch_size: int = 1) -> Dict[str, Dict[str, float]]:
    """Dense and effective MACs per task for one forward.

    Args:
        component_macs (dict): :func:`dense_component_macs` (per image).
        records (Sequence[dict]): The forward's operation records.
        tasks (Sequence[str], optional): Tasks to report; defaults to those
            of ``component_macs['decoders']``.
        batch_size (int): Images in the forward (the result is per image).

    Returns:
        dict[str, dict]: ``task -> dict(dense, effective, encoder_dense,
        encoder_effective, decoder)``, MACs per image.
    """
    summary = summarize_records(records)
    enc = float(component_macs['encoder'])
    out = {}
    for task in tasks or list(component_macs['decoders']):
        dec = float(component_macs['decoders'][task])
        s = summary.get(task, dict(dense_macs=0, eff_macs=0.0))
        rec_dense = s['dense_macs'] / batch_size
        rec_eff = s['eff_macs'] / batch_size
        enc_eff = enc - rec_dense + rec_eff
        out[task] = dict(
            dense=enc + dec,
            effective=enc_eff + dec,
            encoder_dense=enc,
            encoder_effective=enc_eff,
            decoder=dec)
    return out
