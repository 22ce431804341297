# Copyright (c) mmbin contributors. All rights reserved.
"""Measured CPU time of computation sharing: the network forward of the
sharing model with and without skipping unchanged tokens, and of
independent single-task networks, per image or per frame.

Times are wall-clock milliseconds of the network forward only
(``forward_features``: encoder, decoders and heads; no data loading,
preprocessing or resizing of the predictions), measured without the MAC
bookkeeping (``SharingContext.collect_stats`` off). They depend on the
machine and its load; the reports print them beside the counted MACs and
say how many torch threads ran.
"""
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

__all__ = ['time_sharing_forward', 'time_independent_forward',
           'time_model_forward', 'time_video_frames', 'median_or_none']


def median_or_none(values: Sequence[float]) -> Optional[float]:
    """The median of ``values`` (None when empty)."""
    return float(np.median(values)) if len(values) else None


@torch.no_grad()
def time_sharing_forward(model: nn.Module, inputs: Tensor,
                         skip: bool) -> Dict[str, float]:
    """Milliseconds of each task in one forward of a sharing model (image
    mode, or the frame the model's video state is at).

    Args:
        model (SharedMultiTaskEncoderDecoder): The model (eval mode).
        inputs (Tensor): Preprocessed images.
        skip (bool): Skip unchanged tokens where exact
            (``sharing.skip_unchanged``).

    Returns:
        dict[str, float]: ``task -> ms`` (encoder and decoder of the task;
        the base task first).
    """
    ctx = model.sharing_ctx
    old = ctx.skip_unchanged, ctx.collect_stats
    ctx.skip_unchanged, ctx.collect_stats = skip, False
    try:
        model.forward_features(inputs)
    finally:
        ctx.skip_unchanged, ctx.collect_stats = old
    return dict(model.last_timings)


@torch.no_grad()
def time_independent_forward(model: nn.Module,
                             inputs: Tensor) -> Dict[str, float]:
    """Milliseconds of independent single-task networks of the sharing
    model's architecture: per task, the whole encoder run densely (as the
    base task: no deltas, no sharing) and the task's decoder and head.
    The weights differ from trained single-task models, the cost does not.

    Args:
        model (SharedMultiTaskEncoderDecoder): The model (eval mode).
        inputs (Tensor): Preprocessed images.

    Returns:
        dict[str, float]: ``task -> ms``.
    """
    ctx = model.sharing_ctx
    old = ctx.video, ctx.collect_stats
    ctx.video, ctx.collect_stats = False, False
    out = {}
    try:
        for task in model.decode_heads:
            ctx.begin_forward()
            start = time.perf_counter()
            with ctx.task_scope(None):
                feats = model._encode(inputs)
                model._decode(task, feats)
            out[task] = 1e3 * (time.perf_counter() - start)
    finally:
        ctx.video, ctx.collect_stats = old
        ctx.begin_forward()
    return out


@torch.no_grad()
def time_model_forward(model: nn.Module, inputs: Tensor) -> float:
    """Milliseconds of one ``forward_features`` of a (single-task) model."""
    start = time.perf_counter()
    model.forward_features(inputs)
    return 1e3 * (time.perf_counter() - start)


@torch.no_grad()
def time_video_frames(model: nn.Module, frames: List[Tensor],
                      metas: List[dict], mode: str) -> List[float]:
    """Milliseconds (all tasks) of every frame of a frame list, in order.

    Args:
        model (SharedMultiTaskEncoderDecoder): The model with ``video_cfg``.
        frames (list[Tensor]): Preprocessed frames ``(1, 3, H, W)`` in
            temporal order.
        metas (list[dict]): Their meta information (``sequence``,
            ``frame_index``).
        mode (str): ``'video_skip'`` / ``'video'`` (video mode with /
            without skipping unchanged tokens), ``'image'`` (every frame
            shared across tasks only, no skipping) or ``'independent'``
            (:func:`time_independent_forward`).

    Returns:
        list[float]: One time per frame.
    """
    if mode not in ('video_skip', 'video', 'image', 'independent'):
        raise ValueError(f'time_video_frames: unknown mode {mode!r}')
    ctx = model.sharing_ctx
    video_cfg = model.video_cfg
    model.reset_video()
    out = []
    try:
        for img, meta in zip(frames, metas):
            if mode == 'independent':
                out.append(sum(time_independent_forward(model, img).values()))
                continue
            if mode == 'image':
                ctx.video = False
            else:
                model.video_state.begin_frame(meta, video_cfg)
            out.append(sum(time_sharing_forward(
                model, img, skip=mode == 'video_skip').values()))
    finally:
        ctx.video = False
        model.reset_video()
    return out
