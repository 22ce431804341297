# Copyright (c) mmbin contributors. All rights reserved.
"""Random-number-generator states in checkpoints, so that a resumed run
repeats the uninterrupted one exactly."""
import random
from typing import Any, Callable, Dict, Optional

import numpy as np
import torch
from mmengine.dist import is_distributed
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

__all__ = ['RNGStateHook', 'get_rng_states', 'set_rng_states']

#: Key of the states in a checkpoint.
CKPT_KEY = 'rng_states'


def get_rng_states() -> Dict[str, Any]:
    """The states of Python's, numpy's and torch's global generators.

    Only plain types and tensors, so that a ``weights_only`` load reads
    them.

    Returns:
        dict: ``python``, ``numpy``, ``torch`` and, when CUDA is in use,
        ``cuda`` (one state per device).
    """
    version, internal, gauss = random.getstate()
    name, key, pos, has_gauss, cached = np.random.get_state(legacy=True)
    states = dict(
        python=dict(version=version, state=list(internal), gauss=gauss),
        numpy=dict(
            name=str(name),
            key=[int(k) for k in key],
            pos=int(pos),
            has_gauss=int(has_gauss),
            cached_gaussian=float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: Dict[str, Any]) -> None:
    """Restore what :func:`get_rng_states` returned.

    Args:
        states (dict): The saved states.

    Raises:
        RuntimeError: If CUDA states were saved but this process has a
            different number of CUDA devices.
    """
    py = states['python']
    random.setstate((py['version'], tuple(py['state']), py['gauss']))
    npy = states['numpy']
    np.random.set_state(
        (npy['name'], np.asarray(npy['key'], dtype=np.uint32), npy['pos'],
         npy['has_gauss'], npy['cached_gaussian']))
    torch.set_rng_state(states['torch'].cpu())
    cuda = states.get('cuda')
    if cuda:
        if not torch.cuda.is_available() or \
                torch.cuda.device_count() != len(cuda):
            raise RuntimeError(
                f'RNGStateHook: the checkpoint holds the RNG states of '
                f'{len(cuda)} CUDA device(s), this process sees '
                f'{torch.cuda.device_count() if torch.cuda.is_available() else 0}'  # noqa: E501
                '; resume on as many CUDA devices.')
        torch.cuda.set_rng_state_all([s.cpu() for s in cuda])


class _RestoreBeforeFetch:
    """Iterator wrapper: lets ``skip`` batches through, then restores the
    RNG states right before fetching the next one."""

    def __init__(self, iterator, skip: int, restore: Callable[[], None]):
        self.inner = iterator
        self.skip = skip
        self.skipped = 0
        self.restore = restore
        self.restored = False

    def __iter__(self):
        return self

    def __next__(self):
        if not self.restored and self.skipped == self.skip:
            self.restore()
            self.restored = True
        batch = next(self.inner)
        if not self.restored:
            self.skipped += 1
        return batch


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the global RNG states in every checkpoint and restore them on
    ``--resume`` at the point where the uninterrupted run stood.

    MMEngine's checkpoints hold the model, optimizer, schedulers and
    message hub, and its iteration loop replays the data loader up to the
    resumed iteration (the sampler's and the workers' generators are seeded
    from the config, so the replay recreates the data order and the
    augmentations of worker processes). What they lack is the state of the
    global generators of the main process: Python's ``random``, numpy's
    and torch's (CPU, and CUDA when used), which the model draws from
    (Bi-MTDP's IB noise, the hard-concrete gates of computation sharing,
    dropout) and which the data pipeline draws from when
    ``num_workers=0``. Without them a resumed run diverges from the first
    resumed iteration on.

    What the hook does:

    - ``before_save_checkpoint``: stores the states under
      ``checkpoint['rng_states']`` (plain types and tensors; mmbin's
      ``weights_only`` loader reads them);
    - ``after_load_checkpoint``: keeps them when the runner resumes (a
      ``load_from`` that only initialises weights starts at iteration 0 and
      ignores them);
    - iteration-based loops: wraps the loop's ``dataloader_iterator`` so
      that the states are restored right before the first batch after
      MMEngine's replay is fetched, the point where the uninterrupted run
      stood when it saved the checkpoint; epoch-based loops: restores them
      in the first ``before_train_epoch``;
    - ``before_val`` / ``after_val``: saves and restores the states around
      validation, so that validating (at a checkpoint or not) does not
      change the random numbers training draws. This makes a run's
      training independent of ``val_interval`` too.

    Limits: in distributed runs only rank 0 writes checkpoints, so only its
    states are saved; the other ranks resume from their seeds (a warning
    says so) and the resumed run is not bit-exact there. Hooks that draw
    random numbers after the checkpoint hook in ``after_train_iter`` would
    break exactness (none of MMEngine's, MMSegmentation's or mmbin's do).

    Put it in ``default_hooks`` (mmbin's schedules do:
    ``rng_state=dict(type='RNGStateHook')``).
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._pending: Optional[Dict[str, Any]] = None
        self._pending_iter: Optional[int] = None
        self._pending_epoch: Optional[int] = None
        self._val_states: Optional[Dict[str, Any]] = None
        self._wrapper: Optional[_RestoreBeforeFetch] = None
        self._checked = False

    # -- checkpoint ---------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the RNG states in the checkpoint.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The checkpoint about to be written.
        """
        # during validation (best checkpoints) the training states are the
        # ones saved in before_val
        checkpoint[CKPT_KEY] = self._val_states or get_rng_states()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the states of a checkpoint that the runner resumes from.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The loaded checkpoint.
        """
        meta = checkpoint.get('meta') or {}
        self._pending = checkpoint.get(CKPT_KEY)
        self._pending_iter = meta.get('iter')
        self._pending_epoch = meta.get('epoch')

    # -- restore --------------------------------------------------------------
    def _restore(self, runner) -> None:
        set_rng_states(self._pending)
        runner.logger.info(
            f'RNGStateHook: random generator states of iteration '
            f'{self._pending_iter} restored')
        self._pending = None

    def before_train_epoch(self, runner) -> None:
        """Schedule (iteration loops) or apply (epoch loops) the restore.

        Args:
            runner (Runner): The runner.
        """
        if self._checked:
            return
        self._checked = True
        resumed = runner.iter > 0 or runner.epoch > 0
        if not resumed:
            self._pending = None
            return
        if self._pending is None:
            runner.logger.warning(
                'RNGStateHook: the resumed checkpoint holds no random '
                'generator states (written without this hook); the resumed '
                'run will not repeat the uninterrupted one exactly.')
            return
        if runner.iter != self._pending_iter:
            raise RuntimeError(
                f'RNGStateHook: training resumes at iteration {runner.iter} '
                f'but the loaded RNG states belong to iteration '
                f'{self._pending_iter}; the checkpoint and the loop disagree.')
        if is_distributed():
            runner.logger.warning(
                'RNGStateHook: distributed run; only rank 0\'s random '
                'generator states are in the checkpoint, so the other ranks '
                'continue from their seeds and the resumed run is not '
                'bit-exact.')
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):
            self._wrapper = _RestoreBeforeFetch(
                loop.dataloader_iterator, runner.iter,
                lambda: self._restore(runner))
            loop.dataloader_iterator = self._wrapper
        else:
            self._restore(runner)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Any = None) -> None:
        """Check that the restore happened before this batch, and drop the
        iterator wrapper.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch.
            data_batch (Any): The batch.
        """
        if self._wrapper is None:
            return
        wrapper, self._wrapper = self._wrapper, None
        if not wrapper.restored:
            raise RuntimeError(
                'RNGStateHook: the train loop fetched a batch before skipping '
                f'the {wrapper.skip} batches already trained (it skipped '
                f'{wrapper.skipped}); the RNG states could not be restored '
                'at the right point. This hook expects MMEngine\'s '
                'IterBasedTrainLoop.')
        runner.train_loop.dataloader_iterator = wrapper.inner

    # -- validation ---------------------------------------------------------
    def before_val(self, runner) -> None:
        """Save the training RNG states before validation.

        Args:
            runner (Runner): The runner.
        """
        self._val_states = get_rng_states()

    def after_val(self, runner) -> None:
        """Give training its RNG states back after validation.

        Args:
            runner (Runner): The runner.
        """
        if self._val_states is not None:
            set_rng_states(self._val_states)
            self._val_states = None
