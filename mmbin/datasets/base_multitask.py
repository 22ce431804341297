# Copyright (c) mmbin contributors. All rights reserved.
"""Common base of the multi-task dense-prediction datasets.

mmseg's :class:`BaseSegDataset` knows one image and one label map per
sample.  The multi-task archives (NYUD_MT, PASCAL_MT) hold one file per task
and sample in task folders listed by a split file, so this base adds: a task
subset, a path key per task in every data info, per-task label ranges for
the loader's checks, and an up-front check that the split file and every
listed file exist, so a broken archive fails at construction with the names
of the missing files rather than mid-epoch.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmengine
import mmengine.fileio as fileio
from mmseg.datasets import BaseSegDataset

# Task name -> key of its file path in a data info (and in the pipeline's
# results dict).  The key of the semantic map is mmseg's own.
TASK_PATH_KEYS = dict(
    seg='seg_map_path',
    depth='depth_map_path',
    normal='normal_map_path',
    edge='edge_map_path',
    parts='parts_map_path',
    saliency='saliency_map_path')


class BaseMultiTaskDataset(BaseSegDataset):
    """A dataset whose samples carry one map per task, listed by a split file.

    Subclasses set ``TASKS`` (the tasks the layout provides) and the default
    folders and suffixes.  Every data info holds ``img_path``, ``sample_id``,
    ``tasks``, one ``<task>`` path key from :data:`TASK_PATH_KEYS` per
    selected task, ``label_ranges`` (largest valid raw id per label task) and
    mmseg's ``label_map``, ``reduce_zero_label`` and ``seg_fields``.
    When ``check_files`` is on and a file is missing with its configured
    suffix, the suffixes of ``SUFFIX_ALTERNATIVES`` are tried.

    Args:
        ann_file (str): Split file (one sample id per line), relative to
            ``data_root``.
        tasks (Sequence[str], optional): Tasks to load, a subset of
            ``TASKS``. Defaults to all of them.
        data_prefix (dict): Folder per path key (``img_path`` and the keys
            in :data:`TASK_PATH_KEYS`), relative to ``data_root``.
        map_suffixes (dict, optional): File suffix per task; missing tasks
            use the subclass defaults.
        check_files (bool): Check at construction that every file of every
            listed sample exists. Defaults to True.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """

    TASKS: Sequence[str] = ()
    DEFAULT_SUFFIXES: Dict[str, str] = {}
    # Largest raw label id on disk per label task (before any remapping).
    RAW_LABEL_MAX: Dict[str, int] = {}
    # Suffixes tried, per data-info path key, when the configured one is
    # missing (archives of the same layout differ in file formats).
    SUFFIX_ALTERNATIVES: Dict[str, Sequence[str]] = {}

    def __init__(self,
                 ann_file: str = '',
                 tasks: Optional[Sequence[str]] = None,
                 data_prefix: dict = dict(img_path=''),
                 map_suffixes: Optional[Dict[str, str]] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        if tasks is None:
            tasks = tuple(self.TASKS)
        if isinstance(tasks, str):
            tasks = (tasks, )
        unknown = [t for t in tasks if t not in self.TASKS]
        if unknown or len(tasks) == 0:
            raise ValueError(
                f'{type(self).__name__}: tasks {list(tasks)} must be a '
                f'non-empty subset of {list(self.TASKS)} (unknown: '
                f'{unknown})')
        self.tasks = tuple(tasks)
        self.map_suffixes = dict(self.DEFAULT_SUFFIXES)
        self.map_suffixes.update(map_suffixes or {})
        self.check_files = check_files
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    # -- helpers ----------------------------------------------------------
    def _read_split(self) -> List[str]:
        """Sample ids of the split file, with clear errors."""
        if not self.ann_file:
            raise ValueError(
                f'{type(self).__name__}: ann_file (the split file) is empty; '
                f'set it, e.g. ann_file="gt_sets/train.txt"')
        if not fileio.exists(self.ann_file, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{self.ann_file}: split file not found. Check data_root '
                f'({self.data_root!r}) and ann_file; for the synthetic '
                f'stand-in run tools/dataset_converters/'
                f'make_synthetic_nyud.py --out <data_root>')
        ids = [
            line.strip() for line in mmengine.list_from_file(
                self.ann_file, backend_args=self.backend_args)
        ]
        ids = [i for i in ids if i]
        if not ids:
            raise ValueError(f'{self.ann_file}: split file lists no samples '
                             f'(it is empty)')
        return ids

    def _task_path(self, task: str, sample_id: str) -> str:
        """Path of the ``task`` map of ``sample_id`` (subclasses may
        override for layouts with several candidate folders)."""
        key = TASK_PATH_KEYS[task]
        folder = self.data_prefix.get(key)
        if folder is None:
            raise KeyError(f'{type(self).__name__}: data_prefix has no '
                           f'{key!r} entry for task {task!r}')
        return osp.join(folder, sample_id + self.map_suffixes[task])

    def _alternative(self, key: str, path: str) -> Optional[str]:
        """An existing file with another accepted suffix for ``key``
        (``SUFFIX_ALTERNATIVES``), or None."""
        stem = osp.splitext(path)[0]
        for suffix in self.SUFFIX_ALTERNATIVES.get(key, ()):
            if fileio.exists(stem + suffix, self.backend_args):
                return stem + suffix
        return None

    def _extra_info(self, sample_id: str) -> dict:
        """Per-sample extras of a subclass (empty by default)."""
        return {}

    def load_data_list(self) -> List[dict]:
        """Build one data info per id of the split file.

        Returns:
            list[dict]: The data infos.

        Raises:
            FileNotFoundError: If the split file or any listed file is
                missing (the message names the first missing files).
            ValueError: If the split file is empty.
        """
        ids = self._read_split()
        img_dir = self.data_prefix.get('img_path', '')
        label_ranges = {
            t: m
            for t, m in self.RAW_LABEL_MAX.items() if t in self.tasks
        }
        data_list, missing = [], []
        for sample_id in ids:
            info = dict(
                img_path=osp.join(img_dir, sample_id + self.img_suffix),
                sample_id=sample_id,
                tasks=self.tasks,
                label_ranges=label_ranges,
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[])
            for task in self.tasks:
                info[TASK_PATH_KEYS[task]] = self._task_path(task, sample_id)
            info.update(self._extra_info(sample_id))
            if self.check_files:
                for key, path in info.items():
                    if not key.endswith('_path') or path is None or \
                            fileio.exists(path, self.backend_args):
                        continue
                    alt = self._alternative(key, path)
                    if alt is None:
                        missing.append(path)
                    else:
                        info[key] = alt
            data_list.append(info)
        if missing:
            shown = '\n  '.join(missing[:10])
            more = f'\n  ... and {len(missing) - 10} more' \
                if len(missing) > 10 else ''
            raise FileNotFoundError(
                f'{type(self).__name__}: {len(missing)} file(s) listed by '
                f'{self.ann_file} are missing:\n  {shown}{more}\n'
                f'Re-extract or regenerate the dataset, remove the ids from '
                f'the split file, or restrict `tasks`.')
        return data_list
