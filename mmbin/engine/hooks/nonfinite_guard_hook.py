# Copyright (c) mmbin contributors. All rights reserved.
"""Stop (or skip a batch) when training produces NaN or infinite values."""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from mmseg.registry import HOOKS

__all__ = ['NonFiniteGuardHook', 'NonFiniteTrainingError']

_ADVICE = ('lower the learning rate (optim_wrapper.optimizer.lr), clip '
           'gradients (optim_wrapper.clip_grad=dict(max_norm=...)), look for '
           'non-finite or absurd values in the ground truth (the data loader '
           'warns about them), or let the guard skip bad batches '
           "(default_hooks.nonfinite_guard.action='skip')")


class NonFiniteTrainingError(RuntimeError):
    """Training produced a NaN or infinite loss term, gradient norm or
    model state."""


def _value(v) -> float:
    if isinstance(v, torch.Tensor):
        return float(v.detach().float().mean())
    return float(v)


def _fmt(v: float) -> str:
    return f'{v:.4g}' if math.isfinite(v) else str(v)


def _grad_norm(optimizer: torch.optim.Optimizer) -> float:
    """Total L2 norm of the gradients the optimizer is about to apply."""
    norms = [
        torch.linalg.vector_norm(p.grad.detach().float())
        for group in optimizer.param_groups for p in group['params']
        if p.grad is not None
    ]
    if not norms:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack(norms)))


def _non_finite_tensors(tree, prefix: str = '') -> List[str]:
    """Names of the floating-point tensors in a (nested) dict / list that
    hold NaN or infinite values."""
    bad = []
    if isinstance(tree, torch.Tensor):
        if tree.is_floating_point() and not bool(torch.isfinite(tree).all()):
            bad.append(prefix or '<tensor>')
    elif isinstance(tree, dict):
        for k, v in tree.items():
            bad += _non_finite_tensors(v, f'{prefix}.{k}' if prefix else
                                       str(k))
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            bad += _non_finite_tensors(v, f'{prefix}[{i}]')
    return bad


def _any_rank(flag: bool) -> bool:
    """True on every rank when ``flag`` is True on at least one rank."""
    if not is_distributed():
        return flag
    t = torch.tensor([1.0 if flag else 0.0])
    all_reduce(t, op='max')
    return bool(t.item() > 0)


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Stop training, or skip the batch, when a loss term or the gradient
    norm is NaN or infinite, and never save a non-finite checkpoint.

    What it watches:

    - every loss term the model logs (the keys of the training step's
      outputs that contain ``'loss'``, the same ones MMEngine sums into the
      loss);
    - the total L2 norm of the gradients, measured before MMEngine's
      gradient clipping (clipping a NaN or infinite norm hides it);
    - the state saved in every checkpoint (model parameters and buffers,
      optimizer state): a non-finite tensor there stops the save.

    Before each optimizer step the guard checks the loss given to
    ``backward`` and the gradient norm; when either is non-finite the step
    is not applied (the parameters and the optimizer state stay as they
    were), in both actions. After the iteration:

    - ``action='stop'`` (default) raises :class:`NonFiniteTrainingError`
      naming the iteration (1-based, as in the log), every non-finite term
      with its value, the gradient norm and what to try. The guard runs
      before MMEngine's ``CheckpointHook`` (priority 5 < ``VERY_LOW``), so
      the iteration that failed saves nothing and the last good checkpoint
      stays in place; the process exits non-zero.
    - ``action='skip'`` drops the batch (its update was not applied),
      removes its non-finite values from the log, warns with the same
      details and goes on; more than ``max_consecutive_skips`` bad batches
      in a row or ``max_total_skips`` in the whole run raise
      :class:`NonFiniteTrainingError`. A skipped batch whose forward pass
      left NaN in the model's buffers (e.g. BatchNorm running statistics)
      cannot be undone by skipping, so that raises too.

    Priority 5 puts the guard after :class:`RankAveragedLossHook`
    (``HIGHEST``; every rank then sees the same loss values) and before
    MMEngine's ``RuntimeInfoHook`` (``VERY_HIGH`` = 10), so a skipped
    batch's NaN never enters the logged averages. In distributed runs every
    decision is taken jointly (one all-reduce of a flag), so all ranks skip
    or stop together.

    Why this exists: MMEngine offers no check of the loss between the
    forward pass and the optimizer step (its ``OptimWrapper`` steps on
    whatever the gradients hold) and ``CheckpointHook`` saves NaN weights
    like any others. The guard needs no change of ``optim_wrapper.type``:
    at ``before_train`` it wraps the ``backward`` and ``step`` methods of
    the runner's optimizer wrapper instance(s) (undone at ``after_train``).
    With ``AmpOptimWrapper`` the gradients are loss-scaled and an overflow
    is normal (the grad scaler skips that step itself), so there only the
    loss is checked before the step.

    Args:
        action (str): ``'stop'`` or ``'skip'``. Defaults to ``'stop'``.
        max_consecutive_skips (int): In skip mode, the most bad batches in
            a row that are tolerated. Defaults to 3.
        max_total_skips (int): In skip mode, the most bad batches in the
            whole run that are tolerated (counted from the start of the
            process: a ``--resume`` starts counting again). Defaults to 20.
        check_grad_norm (bool): Also check the gradient norm (not only the
            loss). Defaults to True.
        check_checkpoint (bool): Refuse to save a checkpoint holding
            non-finite tensors. Defaults to True.
    """

    priority = 5

    def __init__(self,
                 action: str = 'stop',
                 max_consecutive_skips: int = 3,
                 max_total_skips: int = 20,
                 check_grad_norm: bool = True,
                 check_checkpoint: bool = True) -> None:
        if action not in ('stop', 'skip'):
            raise ValueError(
                f"NonFiniteGuardHook: action must be 'stop' or 'skip', got "
                f'{action!r}')
        for name, v in (('max_consecutive_skips', max_consecutive_skips),
                        ('max_total_skips', max_total_skips)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f'NonFiniteGuardHook: {name} must be an '
                                 f'integer >= 0, got {v!r}')
        self.action = action
        self.max_consecutive_skips = max_consecutive_skips
        self.max_total_skips = max_total_skips
        self.check_grad_norm = check_grad_norm
        self.check_checkpoint = check_checkpoint
        self.consecutive_skips = 0
        self.total_skips = 0
        self._wrapped: List[OptimWrapper] = []
        self._loss_bad = False
        self._step_report: Optional[Dict] = None

    # -- optimizer-wrapper interception --------------------------------------
    @staticmethod
    def _optim_wrappers(optim_wrapper) -> Sequence[OptimWrapper]:
        if isinstance(optim_wrapper, OptimWrapperDict):
            return list(optim_wrapper.values())
        if isinstance(optim_wrapper, OptimWrapper):
            return [optim_wrapper]
        return []

    def _wrap(self, wrapper: OptimWrapper) -> None:
        orig_backward, orig_step = wrapper.backward, wrapper.step
        amp = isinstance(wrapper, AmpOptimWrapper)

        def backward(loss: torch.Tensor, **kwargs):
            if not bool(torch.isfinite(loss.detach()).all()):
                self._loss_bad = True
            return orig_backward(loss, **kwargs)

        def step(**kwargs):
            grad_norm = None
            if self.check_grad_norm and not amp:
                grad_norm = _grad_norm(wrapper.optimizer)
            loss_bad = self._loss_bad
            self._loss_bad = False
            bad = loss_bad or (grad_norm is not None
                               and not math.isfinite(grad_norm))
            bad = _any_rank(bad)
            self._step_report = dict(
                loss_bad=loss_bad, grad_norm=grad_norm, skipped=bad)
            if bad:
                return None
            return orig_step(**kwargs)

        wrapper.backward = backward
        wrapper.step = step
        self._wrapped.append(wrapper)

    def _unwrap(self) -> None:
        for wrapper in self._wrapped:
            for name in ('backward', 'step'):
                wrapper.__dict__.pop(name, None)
        self._wrapped = []

    def before_train(self, runner) -> None:
        """Wrap the optimizer wrapper(s) so that bad steps are not applied.

        Args:
            runner (Runner): The runner of the training process.
        """
        self._unwrap()
        for wrapper in self._optim_wrappers(runner.optim_wrapper):
            self._wrap(wrapper)

    def after_train(self, runner) -> None:
        """Restore the optimizer wrapper(s).

        Args:
            runner (Runner): The runner of the training process.
        """
        self._unwrap()

    # -- per-iteration decision ----------------------------------------------
    def _describe(self, runner, bad_terms: Dict[str, float],
                  report: Optional[Dict]) -> Tuple[str, str]:
        it = runner.iter + 1
        parts = [f'{k} = {_fmt(v)}' for k, v in bad_terms.items()]
        if report is not None and report['grad_norm'] is not None:
            g = report['grad_norm']
            if not math.isfinite(g):
                parts.append(f'gradient norm = {_fmt(g)}')
        if not parts:
            parts.append('a loss term on another rank')
        what = ', '.join(parts)
        return f'iteration {it}', what

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check this iteration's loss terms and gradient norm.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (dict, optional): The batch.
            outputs (dict, optional): The logged values of the step
                (``log_vars``); in skip mode non-finite ones are removed.

        Raises:
            NonFiniteTrainingError: In stop mode on any non-finite value;
                in skip mode beyond the skip limits.
        """
        outputs = outputs if outputs is not None else {}
        bad_terms = {}
        for k, v in outputs.items():
            if 'loss' not in k:
                continue
            val = _value(v)
            if not math.isfinite(val):
                bad_terms[k] = val
        report, self._step_report = self._step_report, None
        step_skipped = bool(report and report['skipped'])
        if not _any_rank(bool(bad_terms) or step_skipped):
            self.consecutive_skips = 0
            return
        where, what = self._describe(runner, bad_terms, report)
        if self.action == 'stop':
            last = runner.message_hub.get_info('last_ckpt')
            kept = (f'the last checkpoint written is {last}'
                    if last else 'no checkpoint was written yet')
            raise NonFiniteTrainingError(
                f'Training stopped at {where}: non-finite {what}. The '
                f'optimizer step of this iteration was not applied and no '
                f'checkpoint is saved from it ({kept}). To go on: '
                f'{_ADVICE}.')
        self.consecutive_skips += 1
        self.total_skips += 1
        for k in bad_terms:
            outputs.pop(k, None)
        if self.consecutive_skips > self.max_consecutive_skips or \
                self.total_skips > self.max_total_skips:
            raise NonFiniteTrainingError(
                f'Training stopped at {where}: non-finite {what}; '
                f'{self.consecutive_skips} bad batch(es) in a row and '
                f'{self.total_skips} in total were skipped, more than the '
                f'limits (max_consecutive_skips='
                f'{self.max_consecutive_skips}, max_total_skips='
                f'{self.max_total_skips}). Training diverges rather than '
                f'meeting the odd bad batch: {_ADVICE}.')
        model = runner.model
        state = {
            **dict(model.named_parameters()),
            **dict(model.named_buffers())
        }
        corrupted = _non_finite_tensors(state)
        if corrupted:
            raise NonFiniteTrainingError(
                f'Training stopped at {where}: non-finite {what}, and the '
                f'forward pass left non-finite values in the model '
                f'({", ".join(corrupted[:5])}), which skipping the update '
                f'cannot undo. To go on: {_ADVICE}.')
        runner.logger.warning(
            f'NonFiniteGuardHook: skipped the batch of {where}: non-finite '
            f'{what}; its update was not applied ({self.total_skips} '
            f'skipped so far, {self.consecutive_skips} in a row).')

    # -- checkpoints ---------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to save a checkpoint with NaN or infinite tensors.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The checkpoint about to be written.

        Raises:
            NonFiniteTrainingError: If ``state_dict`` or ``optimizer`` hold
                a non-finite tensor.
        """
        if not self.check_checkpoint:
            return
        bad = _non_finite_tensors(checkpoint.get('state_dict', {}),
                                  'state_dict')
        bad += _non_finite_tensors(checkpoint.get('optimizer', {}),
                                   'optimizer')
        if bad:
            it = (checkpoint.get('meta') or {}).get('iter', runner.iter)
            raise NonFiniteTrainingError(
                f'Refusing to save the checkpoint of iteration {it}'
                f': {len(bad)} tensor(s) hold NaN or infinite values '
                f'({", ".join(bad[:5])}); nothing is written for this '
                f'iteration. To go on: {_ADVICE}.')
