# Copyright (c) mmbin contributors. All rights reserved.
"""Checkpoints that survive a kill at any moment, and a ``--resume`` that
finds the newest complete one."""
import glob
import os
import os.path as osp
import re
from collections import deque
from typing import List, Optional, Tuple

from mmengine.dist import barrier, is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.runner.checkpoint import find_latest_checkpoint
from mmseg.registry import HOOKS

from mmbin.utils.atomic_file import atomic_write_text, commit_file
from mmbin.utils.checkpoint import (DamagedCheckpointError,
                                    UnsafeCheckpointError, safe_torch_load)

__all__ = ['AtomicCheckpointHook']

#: Suffix of checkpoints being written (never matched by ``*.pth``).
TMP_SUFFIX = '.tmp'


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """MMEngine's :class:`~mmengine.hooks.CheckpointHook` with crash-safe
    writes and a ``--resume`` that skips damaged checkpoints.

    Why a subclass: MMEngine 0.10.7's hook deletes the oldest checkpoint
    *before* writing the new one, writes the new one in place (a kill
    leaves a truncated file under the final name) and points
    ``last_checkpoint`` at it before the write is complete; with
    ``max_keep_ckpts=1`` a kill during a save leaves no usable checkpoint.
    Everything else (intervals, ``save_best``, ``max_keep_ckpts``,
    ``published_keys``) is the parent's, and the arguments are the same.

    Saving, for each checkpoint:

    1. the runner writes it to ``<name>.tmp`` in the output directory
       (through ``runner.save_checkpoint``, so ``before_save_checkpoint``
       hooks run as usual);
    2. the file is flushed to disk (``fsync``) and renamed to ``<name>``,
       which is atomic within a directory;
    3. ``last_checkpoint`` is replaced the same way (temporary file, fsync,
       rename), so it always names a complete file;
    4. only then are checkpoints beyond ``max_keep_ckpts`` removed.

    Best checkpoints (``save_best``) are written through steps 1-2 as well;
    the removal of the previous best stays MMEngine's (before the new one is
    written).

    Resuming (``--resume`` without ``load_from``), before the runner loads
    anything:

    - if ``last_checkpoint`` names a file that is missing or damaged
      (truncated, not a torch file, no ``state_dict``/``meta``), the hook
      logs which file and why, and points ``last_checkpoint`` at the newest
      complete checkpoint of the output directory (by step number);
    - if there is no ``last_checkpoint`` but checkpoints exist, the newest
      complete one is used;
    - if there is nothing to resume from, a warning names the work
      directory and says that training starts from scratch;
    - if checkpoints exist but none is complete, training stops with an
      error listing them (nothing is deleted).

    Left-over ``*.pth.tmp`` files of a killed write are removed when
    training starts. Only local output directories get these guarantees;
    for other storage backends the hook warns and writes as MMEngine does.

    Args:
        **kwargs: The arguments of :class:`mmengine.hooks.CheckpointHook`.
    """

    # -- resume ------------------------------------------------------------
    def before_run(self, runner) -> None:
        """Choose the checkpoint that ``--resume`` loads (see the class
        docstring) and warn when there is none.

        Args:
            runner (Runner): The runner.
        """
        # MMEngine 0.10.7 keeps the resume request in these attributes.
        resume = getattr(runner, '_resume', False)
        load_from = getattr(runner, '_load_from', None)
        if not resume or load_from is not None:
            return
        if is_main_process():
            self._prepare_resume(runner)
        barrier()

    def _ckpt_dir(self, runner) -> str:
        """The local directory checkpoints are written to (as the parent's
        ``before_train`` computes it)."""
        if self.out_dir is None or self.out_dir == runner.work_dir:
            return runner.work_dir
        return osp.join(self.out_dir,
                        osp.basename(runner.work_dir.rstrip(osp.sep)))

    def _candidates(self, directory: str) -> List[Tuple[int, str]]:
        """``(step, path)`` of the checkpoints named by ``filename_tmpl``
        in ``directory``, newest first."""
        pattern = re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)')
        regex = re.compile(f'^{pattern}$')
        found = []
        for path in glob.glob(osp.join(glob.escape(directory), '*')):
            match = regex.match(osp.basename(path))
            if match and osp.isfile(path):
                found.append((int(match.group(1)), path))
        return sorted(found, reverse=True)

    @staticmethod
    def checkpoint_problem(path: str) -> Optional[str]:
        """Why a checkpoint cannot be resumed from, or None if it can.

        Args:
            path (str): Checkpoint file.

        Returns:
            str | None: The problem (missing, damaged, incomplete).

        Raises:
            UnsafeCheckpointError: The file needs types outside mmbin's
                allow-list (not skipped: it may have been tampered with).
        """
        if not osp.isfile(path):
            return 'the file does not exist'
        try:
            ckpt = safe_torch_load(path, map_location='cpu')
        except UnsafeCheckpointError:
            raise
        except (DamagedCheckpointError, OSError) as err:
            return str(err)
        if not isinstance(ckpt, dict) or 'state_dict' not in ckpt or \
                'meta' not in ckpt:
            return ('it is not a training checkpoint (no state_dict / meta '
                    'entries)')
        return None

    def _prepare_resume(self, runner) -> None:
        work_dir = runner.work_dir
        latest = find_latest_checkpoint(work_dir)
        ckpt_dir = self._ckpt_dir(runner)
        dirs = [ckpt_dir]
        if latest is not None and osp.dirname(latest) not in dirs:
            dirs.append(osp.dirname(latest))
        candidates = [c for d in dirs for c in self._candidates(d)]
        candidates.sort(reverse=True)
        if latest is None and not candidates:
            runner.logger.warning(
                f'--resume: nothing to resume from in the work dir '
                f'{work_dir!r} (no last_checkpoint file and no '
                f'{self.filename_tmpl.format("<N>")} files); training '
                'starts fresh from iteration 0.')
            return
        damaged = []
        order = ([latest] if latest is not None else []) + [
            p for _, p in candidates if p != latest
        ]
        for path in order:
            problem = self.checkpoint_problem(path)
            if problem is None:
                break
            damaged.append((path, problem))
            runner.logger.warning(
                f'--resume: checkpoint {path!r} cannot be resumed from: '
                f'{problem}')
        else:
            listed = '\n  '.join(f'{p}: {why}' for p, why in damaged)
            raise RuntimeError(
                f'--resume: no complete checkpoint in {work_dir!r}; every '
                f'candidate is missing or damaged:\n  {listed}\nMove these '
                'files away and run without --resume to train from '
                'scratch, or point load_from at a good checkpoint.')
        if path == latest:
            return
        if latest is None:
            runner.logger.warning(
                f'--resume: {work_dir!r} has no last_checkpoint file; '
                f'resuming from the newest complete checkpoint {path!r}.')
        else:
            runner.logger.warning(
                f'--resume: the latest checkpoint {latest!r} is damaged; '
                f'resuming from the newest complete checkpoint {path!r} '
                '(last_checkpoint now names it).')
        atomic_write_text(osp.join(work_dir, 'last_checkpoint'), path)

    # -- saving --------------------------------------------------------------
    def before_train(self, runner) -> None:
        """Set up the output directory (parent) and remove temporary files
        left by a killed write.

        Args:
            runner (Runner): The runner.
        """
        super().before_train(runner)
        self._atomic = isinstance(self.file_backend, LocalBackend)
        if not self._atomic:
            runner.logger.warning(
                f'AtomicCheckpointHook: {self.out_dir!r} is not a local '
                'directory; checkpoints there are written in place, as '
                'MMEngine does (no atomic rename).')
            return
        if is_main_process():
            pattern = osp.join(
                glob.escape(self.out_dir),
                '*' + osp.splitext(self.filename_tmpl)[1] + TMP_SUFFIX)
            stale_files = glob.glob(pattern) + glob.glob(
                osp.join(
                    glob.escape(runner.work_dir), 'last_checkpoint.tmp-*'))
            for stale in stale_files:
                os.remove(stale)
                runner.logger.info(
                    f'AtomicCheckpointHook: removed {stale!r}, left by a '
                    'checkpoint write that did not finish')

    def _write(self, runner, filename: str, **kwargs) -> None:
        """Write ``filename`` in the output directory through a temporary
        file (steps 1-2 of the class docstring)."""
        tmp_name = filename + TMP_SUFFIX
        # the class attribute: _save_best_checkpoint swaps the instance's
        type(runner).save_checkpoint(runner, self.out_dir, tmp_name,
                                     self.file_client_args, **kwargs)
        if is_main_process():
            commit_file(
                osp.join(self.out_dir, tmp_name),
                osp.join(self.out_dir, filename))

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        """Save the checkpoint of ``step``: write it atomically, update
        ``last_checkpoint`` atomically, then drop old checkpoints."""
        if not getattr(self, '_atomic', True):
            return super()._save_checkpoint_with_step(runner, step, meta)
        to_remove = []
        if self.max_keep_ckpts > 0 and not (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            ids = list(self.keep_ckpt_ids) + [step]
            while len(ids) > self.max_keep_ckpts:
                to_remove.append(ids.pop(0))
            self.keep_ckpt_ids = deque(ids, self.max_keep_ckpts)
            # stored in the checkpoint: the list as it is once saved
            runner.message_hub.update_info('keep_ckpt_ids', ids)

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        self._write(
            runner,
            ckpt_filename,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write_text(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old in to_remove:
            path = osp.join(self.out_dir, self.filename_tmpl.format(old))
            if path != self.last_ckpt and osp.isfile(path):
                os.remove(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """The parent's, with the best checkpoint written atomically."""
        if not getattr(self, '_atomic', True) or self.save_best is None:
            return super()._save_best_checkpoint(runner, metrics)

        def atomic_save(out_dir, filename, file_client_args=None, **kwargs):
            self._write(runner, filename, **kwargs)

        runner.save_checkpoint = atomic_save
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            del runner.save_checkpoint
