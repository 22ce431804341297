# Copyright (c) mmbin contributors. All rights reserved.
"""Refuse checkpoints that do not fit the model (``tools/test.py``,
``--resume``) and report every mismatch of a ``load_from``."""
import os.path as osp

from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmengine.runner.checkpoint import find_latest_checkpoint
from mmseg.registry import HOOKS

from mmbin.utils.checkpoint_loading import (CheckpointMismatchError,
                                            bare_model, checkpoint_state_dict,
                                            compare_state_dicts)

__all__ = ['CheckpointLoadCheckHook']


@HOOKS.register_module()
class CheckpointLoadCheckHook(Hook):
    """Check every checkpoint the runner loads against the model.

    MMEngine's runner loads ``load_from``, ``--resume`` and the checkpoint
    of ``tools/test.py`` with ``strict=False``: a checkpoint of another
    architecture is accepted and the model keeps random weights (the run
    only prints a note to stdout). This hook runs in
    ``after_load_checkpoint``, before the weights are copied, compares
    names and shapes (:func:`mmbin.utils.checkpoint_loading.
    compare_state_dicts`) and, depending on what the run does:

    - **testing / validating** (``tools/test.py``, no training loop) and
      **resuming**: any mismatch stops the run with
      :class:`~mmbin.utils.checkpoint_loading.CheckpointMismatchError`,
      listing the first ``max_listed`` mismatches. ``strict=False`` (the
      ``--non-strict`` flag of ``tools/test.py``) turns this into a warning
      with every mismatch in the log;
    - **training with load_from** (initialising from another model is
      normal: fine-tuning onto a new head, a binary student from a
      full-precision checkpoint): every mismatch is written to the log (the
      work directory's log file) as a warning, and the run stops only when
      fewer than ``min_match_fraction`` of the model's tensors (entries of
      its ``state_dict``) get a tensor of the same name and shape, i.e.
      when almost nothing matches (another architecture, a missing
      ``backbone.`` prefix).

    Args:
        strict (bool): Refuse mismatches when testing or resuming. Defaults
            to True.
        min_match_fraction (float): Least share of the model's tensors a
            ``load_from`` checkpoint must fill, in ``[0, 1]``. Defaults to
            0.1.
        max_listed (int): Mismatches listed in an error. Defaults to 10.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 strict: bool = True,
                 min_match_fraction: float = 0.1,
                 max_listed: int = 10) -> None:
        if not 0.0 <= min_match_fraction <= 1.0:
            raise ValueError(
                'CheckpointLoadCheckHook: min_match_fraction must be in '
                f'[0, 1], got {min_match_fraction}')
        if max_listed < 1:
            raise ValueError('CheckpointLoadCheckHook: max_listed must be '
                             f'>= 1, got {max_listed}')
        self.strict = strict
        self.min_match_fraction = float(min_match_fraction)
        self.max_listed = int(max_listed)
        self._mode = 'strict'

    def before_run(self, runner) -> None:
        """Find out what the run loads the checkpoint for.

        Args:
            runner (Runner): The runner.
        """
        # ``Runner.train`` builds the loop before ``before_run``; test and
        # val runs keep the config dict. MMEngine 0.10.7 keeps the resume
        # request in ``_resume``.
        training = isinstance(getattr(runner, '_train_loop', None), BaseLoop)
        if training and not getattr(runner, '_resume', False):
            self._mode = 'partial'
        else:
            self._mode = 'strict' if self.strict else 'report'

    @staticmethod
    def _source(runner) -> str:
        """The file being loaded, for messages."""
        load_from = getattr(runner, '_load_from', None)
        if load_from:
            return str(load_from)
        if getattr(runner, '_resume', False):
            latest = find_latest_checkpoint(runner.work_dir)
            if latest:
                return latest
        return '<checkpoint>'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare the loaded checkpoint with the model (see the class
        docstring).

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The loaded checkpoint.

        Raises:
            CheckpointMismatchError: If the checkpoint does not fit.
        """
        source = self._source(runner)
        model = bare_model(runner.model)
        try:
            state = checkpoint_state_dict(checkpoint)
        except TypeError as err:
            raise CheckpointMismatchError(f'checkpoint {source!r}: {err}')
        result = compare_state_dicts(model.state_dict(), state)
        if result.exact:
            return
        name = type(model).__name__
        if self._mode == 'strict':
            what = ('resume from' if getattr(runner, '_resume', False) else
                    'test')
            raise CheckpointMismatchError(
                f'checkpoint {source!r} does not fit the model ({name}) of '
                f'this config: {result.describe(self.max_listed)}\nA '
                f'checkpoint to {what} must come from training this very '
                'config. If a partial load is really meant, pass '
                '--non-strict to tools/test.py (or set '
                'default_hooks.checkpoint_load_check.strict=False).')
        lines = result.mismatch_lines()
        runner.logger.warning(
            f'checkpoint {source!r} does not fit the model ({name}) '
            f'exactly: {result.summary()}. Tensors that do not fit keep '
            'their initialisation. All mismatches:\n  ' + '\n  '.join(lines))
        if self._mode == 'partial' and \
                result.matched_fraction < self.min_match_fraction:
            raise CheckpointMismatchError(
                f'load_from {source!r} fills only {len(result.matched)} of '
                f'{result.num_model} tensors of the model ({name}) '
                f'({100 * result.matched_fraction:.1f}%, less than the '
                f'{100 * self.min_match_fraction:.0f}% required): it was '
                'written for another architecture, or its names lack a '
                f'prefix. {result.describe(self.max_listed)}\nPass the '
                'checkpoint of a model this config can start from '
                '(min_match_fraction of default_hooks.checkpoint_load_check '
                'sets the threshold).')
        runner.logger.info(
            f'checkpoint {osp.basename(source)}: loading the '
            f'{len(result.matched)} tensors that fit.')
