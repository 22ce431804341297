# Copyright (c) mmbin contributors. All rights reserved.
"""Multi-task frame sequences (NYUD_MT layout plus a sequence index)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine
import mmengine.fileio as fileio
from mmseg.registry import DATASETS

from .nyud_multitask import NYUDMultiTaskDataset

__all__ = ['VideoMultiTaskDataset']


@DATASETS.register_module()
class VideoMultiTaskDataset(NYUDMultiTaskDataset):
    """Frames of video sequences with NYUD-style task maps.

    The layout is NYUD_MT's (see :class:`NYUDMultiTaskDataset`; written by
    ``tools/dataset_converters/make_synthetic_video.py``) plus a sequence
    index, ``sequences.json``::

        {"sequences": {"train": [{"name": ..., "frames": [id, ...]}, ...],
                       "val": [...]}}

    listing each sequence's frame ids in temporal order. Every data info
    gets ``sequence`` (name) and ``frame_index`` (position in the
    sequence); pack them with
    ``PackMultiTaskInputs(meta_keys=(..., 'sequence', 'frame_index'))`` so
    that a video model can tell keyframes. The samples keep the order of
    the split file, which must list each sequence's frames consecutively
    and in temporal order (checked), so a non-shuffling sampler with batch
    size 1 feeds whole sequences frame by frame.

    Args:
        sequence_file (str): Sequence index, relative to ``data_root``.
            Defaults to ``'sequences.json'``.
        sequences (Sequence[str], optional): Keep only these sequences.
        max_frames (int, optional): Keep only the first ``max_frames``
            frames of every sequence.
        **kwargs: See :class:`NYUDMultiTaskDataset`.
    """

    def __init__(self,
                 sequence_file: str = 'sequences.json',
                 sequences: Optional[Sequence[str]] = None,
                 max_frames: Optional[int] = None,
                 **kwargs) -> None:
        self.sequence_file = sequence_file
        self.keep_sequences = None if sequences is None else set(sequences)
        if max_frames is not None and max_frames < 1:
            raise ValueError(f'VideoMultiTaskDataset: max_frames must be '
                             f'>= 1, got {max_frames}')
        self.max_frames = max_frames
        self._frame_info: Dict[str, Tuple[str, int]] = {}
        super().__init__(**kwargs)

    def _read_sequences(self) -> Dict[str, Tuple[str, int]]:
        path = self.sequence_file
        if self.data_root and not osp.isabs(path):
            path = osp.join(self.data_root, path)
        if not fileio.exists(path, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{path}: sequence index not found. Frame sequences need '
                f'it (generate the stand-in with tools/dataset_converters/'
                f'make_synthetic_video.py --out <data_root>)')
        index = mmengine.load(path, backend_args=self.backend_args)
        frames: Dict[str, Tuple[str, int]] = {}
        groups = index.get('sequences') if isinstance(index, dict) else None
        if not isinstance(groups, dict):
            raise ValueError(f'{path}: expected {{"sequences": {{split: '
                             f'[{{"name", "frames"}}, ...]}}}}')
        for seqs in groups.values():
            for seq in seqs:
                for k, fid in enumerate(seq['frames']):
                    frames[fid] = (seq['name'], k)
        return frames

    def load_data_list(self) -> List[dict]:
        """Data infos in split-file order with ``sequence`` and
        ``frame_index``.

        Raises:
            KeyError: If a frame of the split file is not in the index.
            ValueError: If a sequence's frames are not consecutive and in
                temporal order.
        """
        self._frame_info = self._read_sequences()
        infos = super().load_data_list()
        out, last = [], (None, -1)
        done = set()
        for info in infos:
            seq, k = info['sequence'], info['frame_index']
            if self.keep_sequences is not None and \
                    seq not in self.keep_sequences:
                continue
            if self.max_frames is not None and k >= self.max_frames:
                continue
            if seq == last[0]:
                ok = k > last[1]
            else:
                ok = seq not in done
                done.add(seq)
            if not ok:
                raise ValueError(
                    f'{self.ann_file}: frame {info["sample_id"]} (sequence '
                    f'{seq}, frame {k}) is out of temporal order; list each '
                    f'sequence\'s frames consecutively and in order')
            last = (seq, k)
            out.append(info)
        if not out:
            raise ValueError(f'{type(self).__name__}: no frames left after '
                             f'selecting sequences {self.keep_sequences} and '
                             f'max_frames {self.max_frames}')
        return out

    def _extra_info(self, sample_id: str) -> dict:
        if sample_id not in self._frame_info:
            raise KeyError(f'{type(self).__name__}: frame {sample_id!r} of '
                           f'{self.ann_file} is not in the sequence index '
                           f'{self.sequence_file}')
        seq, k = self._frame_info[sample_id]
        return dict(sequence=seq, frame_index=k)
