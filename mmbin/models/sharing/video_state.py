# Copyright (c) mmbin contributors. All rights reserved.
"""Video inference of computation sharing: the ``video`` config, the
keyframe schedule and which sub-task layers borrow the base task's
activations on non-key frames.

The activations themselves (the previous frame's, the base task's) live in
:class:`~mmbin.models.sharing.SharingContext`; this module decides, frame
by frame, what the context does with them.

References:
    S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation Sharing
    for Multi-Task Visual Scene Understanding", ICCV 2023,
    https://arxiv.org/abs/2303.09663 (code:
    https://github.com/sarashoouri/EfficientMTL), section on video inputs.
"""
import fnmatch
import logging
from typing import Optional, Sequence, Set, Tuple, Union

from mmengine.logging import print_log

from .sharing_context import SharingContext

__all__ = ['VIDEO_KEYS', 'check_video_cfg', 'cross_task_keys', 'VideoState']

#: Keys of a sharing model's ``video`` config.
VIDEO_KEYS = ('keyframe_interval', 'temporal_threshold', 'cross_task_layers')


def check_video_cfg(video: Optional[dict],
                    owner: str = 'SharedMultiTaskEncoderDecoder'
                    ) -> Optional[dict]:
    """The ``video`` config with its defaults, checked.

    Args:
        video (dict, optional): ``keyframe_interval`` (int >= 1, default
            8), ``temporal_threshold`` (float, default 0.05) and
            ``cross_task_layers`` (fraction in ``[0, 1]`` of the wrapped
            layers in execution order, or a list of name patterns; default
            0.5). None: no video mode.
        owner (str): Name of the model, for the error messages.

    Returns:
        dict, optional: The complete config, or None without video mode.

    Raises:
        KeyError: On an unknown key (the known keys are named).
        ValueError: On a value out of range.
    """
    if video is None:
        return None
    video = dict(video)
    unknown = set(video) - set(VIDEO_KEYS)
    if unknown:
        raise KeyError(f'{owner}: unknown video keys {sorted(unknown)}; '
                       f'known: {list(VIDEO_KEYS)}')
    out = dict(keyframe_interval=8, temporal_threshold=0.05,
               cross_task_layers=0.5)
    out.update(video)
    if int(out['keyframe_interval']) < 1:
        raise ValueError(f'video.keyframe_interval must be >= 1, got '
                         f'{out["keyframe_interval"]}')
    layers = out['cross_task_layers']
    if isinstance(layers, (int, float)) and not 0 <= layers <= 1:
        raise ValueError(f'video.cross_task_layers must be a fraction '
                         f'in [0, 1] or a list of name patterns, got '
                         f'{layers}')
    return out


def cross_task_keys(order: Sequence[str],
                    spec: Union[float, Sequence[str]]) -> Set[str]:
    """The wrapped layers whose sub-task input borrows the base task's
    current activation on non-key frames (the others reuse the sub-task's
    own previous frame).

    Args:
        order (Sequence[str]): Wrapped layers in the order the base task
            ran them.
        spec (float | Sequence[str]): ``video.cross_task_layers``: the
            leading fraction of ``order``, or name patterns (fnmatch).

    Returns:
        set[str]: Names of the cross-task layers.
    """
    if isinstance(spec, (int, float)):
        return set(order[:int(round(float(spec) * len(order)))])
    return {k for k in order if any(fnmatch.fnmatchcase(k, p) for p in spec)}


class VideoState:
    """Where a model stands in a video: the last frame's sequence and index
    and the frames since the last keyframe.

    A frame is a keyframe at the start of a sequence (the ``sequence`` meta
    key changes or ``frame_index`` does not follow the previous frame's)
    and every ``keyframe_interval`` frames. A new sequence also clears the
    previous frame's activations in the :class:`SharingContext`. Samples
    without ``sequence``/``frame_index`` are taken as one sequence (with a
    warning, once).

    It is plain Python state, like the context: nothing here is saved in a
    checkpoint.

    Args:
        ctx (SharingContext): The model's sharing context.
        owner (str): Name of the model, for the warning.
    """

    def __init__(self, ctx: SharingContext,
                 owner: str = 'SharedMultiTaskEncoderDecoder') -> None:
        self.ctx = ctx
        self.owner = owner
        #: ``(sequence, frame_index)`` of the last frame.
        self.last: Tuple[Optional[str], Optional[int]] = (None, None)
        self.frames_since_key = 0
        self._warned_no_seq = False

    def reset(self) -> None:
        """Forget the previous frame: the next frame is a keyframe."""
        self.ctx.reset_video()
        self.last = (None, None)

    def begin_frame(self, meta: dict, video_cfg: dict) -> bool:
        """Set up the context for the next frame.

        Args:
            meta (dict): The frame's meta information (``sequence``,
                ``frame_index``).
            video_cfg (dict): The checked ``video`` config
                (:func:`check_video_cfg`).

        Returns:
            bool: Whether the frame is a keyframe (also set as
            ``ctx.keyframe``).
        """
        ctx = self.ctx
        ctx.video = True
        ctx.temporal_threshold = float(video_cfg['temporal_threshold'])
        ctx.keyframe = self._is_keyframe(meta,
                                         int(video_cfg['keyframe_interval']))
        if ctx.keyframe:
            self.frames_since_key = 0
        else:
            self.frames_since_key += 1
        return ctx.keyframe

    def _is_keyframe(self, meta: dict, interval: int) -> bool:
        if 'sequence' not in meta or 'frame_index' not in meta:
            if not self._warned_no_seq:
                print_log(
                    f'{self.owner}: video mode without "sequence"/'
                    '"frame_index" meta keys (add them to '
                    'PackMultiTaskInputs.meta_keys); consecutive samples are '
                    'taken as one sequence', logger='current',
                    level=logging.WARNING)
                self._warned_no_seq = True
            seq, idx = '<unknown>', None
        else:
            seq, idx = str(meta['sequence']), int(meta['frame_index'])
        last_seq, last_idx = self.last
        self.last = (seq, idx)
        follows = seq == last_seq and (idx is None or last_idx is None
                                       or idx == last_idx + 1)
        if not follows:
            self.ctx.reset_video()
            return True
        return self.frames_since_key + 1 >= interval
