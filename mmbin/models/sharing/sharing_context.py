# Copyright (c) mmbin contributors. All rights reserved.
"""Runtime state that the delta layers of one model share: which task
runs, the base task's activations, the previous frame's activations and the
operation counts of the current forward."""
import contextlib
from collections import defaultdict
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import torch
from torch import Tensor

__all__ = ['SharingContext']


class SharingContext:
    """Execution state of activation sharing across tasks and frames.

    One context belongs to one model (a
    :class:`~mmbin.models.segmentors.SharedMultiTaskEncoderDecoder`) and is
    referenced by every delta layer in it. It is plain Python state, not a
    module: nothing here is a parameter or is saved in a checkpoint.

    Activation sharing happens on the *input* of every wrapped layer (the
    activation that the layer multiplies by its weights), where the cost is
    decided. For the layer ``key``:

    * base task (``task is None``): the input ``x`` is used as is and kept
      as ``X_base[key]``; in video mode, on a non-key frame, it is replaced
      by ``X_prev + T(x - X_prev)`` (temporal delta against what the base
      task used at this layer on the previous frame);
    * sub-task ``t``: ``x`` is replaced by ``X_base[key] + T(x - X_base[key])``
      (the base task's activation plus a thresholded delta); in video mode,
      on a non-key frame, layers outside the cross-task set use the
      sub-task's own previous-frame input as reference instead.

    ``T(d)`` zeroes the entries with ``|d| < threshold`` (with a threshold
    of 0, only exact zeros count as zero). The layer then multiplies the
    effective input by its (task) weights, which equals reusing the
    reference's output and adding ``W_base dX + dW X`` (cross-task) or
    ``W dX`` (temporal); :meth:`account` records the MACs such a sparse
    execution costs.

    Args:
        base_task (str): Name of the base task.
        tasks (Sequence[str]): Names of the sub-tasks.

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """

    def __init__(self, base_task: str, tasks: Sequence[str]) -> None:
        self.base_task = base_task
        self.sub_tasks = tuple(tasks)
        #: Running task: None for the base task, else a sub-task name.
        self.task: Optional[str] = None
        #: Cross-task threshold on |X_sub - X_base|.
        self.threshold = 0.0
        #: How thresholds act while gradients are recorded: ``'ste'``
        #: (entries zeroed in the forward, straight-through gradient),
        #: ``'mask'`` (zeroed entries get no gradient) or ``'none'`` (no
        #: threshold; only inference thresholds).
        self.train_threshold = 'ste'
        #: Collect L1 terms mean|X_sub - X_base| per layer and sub-task.
        self.collect_l1 = False
        #: Record operation counts (per forward).
        self.collect_stats = True
        #: Measure the weight-delta density of every call (needed for the
        #: effective MACs; skipped while training, where gates are sampled).
        self.weight_stats = True
        # video state
        self.video = False
        self.keyframe = True
        self.temporal_threshold = 0.0
        #: Layers whose sub-task input borrows the base task's on non-key
        #: frames (the others use the previous frame's).
        self.cross_task_keys: Optional[Set[str]] = None
        # per-forward / per-frame state
        self.base_inputs: Dict[str, Tensor] = {}
        self.prev: Dict[Tuple[Optional[str], str], Tensor] = {}
        #: Wrapped layers in the order the base task ran them.
        self.layer_order: List[str] = []
        self.records: List[dict] = []
        self.l1_terms: Dict[str, List[Tensor]] = defaultdict(list)

    # ------------------------------------------------------------------
    @contextlib.contextmanager
    def task_scope(self, task: Optional[str]) -> Iterator[None]:
        """Run the wrapped layers as ``task`` (None: the base task)."""
        if task is not None and task not in self.sub_tasks:
            raise KeyError(f'SharingContext: unknown sub-task {task!r}; '
                           f'sub-tasks are {list(self.sub_tasks)}')
        old, self.task = self.task, task
        try:
            yield
        finally:
            self.task = old

    def begin_forward(self) -> None:
        """Forget the previous forward's base activations, counts and L1
        terms (the temporal references are kept)."""
        self.base_inputs = {}
        self.records = []
        self.l1_terms = defaultdict(list)

    def reset_video(self) -> None:
        """Forget the previous frame (a new sequence starts)."""
        self.prev = {}

    # ------------------------------------------------------------------
    def _sparsify(self, x: Tensor, ref: Tensor,
                  threshold: float) -> Tuple[Tensor, int]:
        """``ref + T(x - ref)`` and the number of non-zero delta entries.

        Without any non-zero entry (and no gradient to carry) the reference
        tensor itself is returned, so the layer computes bit for bit what
        the reference computed.
        """
        diff = x - ref
        grad = torch.is_grad_enabled() and x.requires_grad
        mode = self.train_threshold if grad else 'mask'
        if threshold > 0 and mode != 'none':
            kept = torch.where(diff.abs() >= threshold, diff,
                               torch.zeros_like(diff))
            diff = diff + (kept - diff).detach() if mode == 'ste' else kept
        with torch.no_grad():
            nnz = int(torch.count_nonzero(diff))
        if nnz == 0 and not grad:
            return ref, 0
        return ref + diff, nnz

    def share(self, key: str, x: Tensor) -> Tuple[Tensor, dict]:
        """Replace the input of layer ``key`` by its shared version.

        Args:
            key (str): The layer's name in the model.
            x (Tensor): The input the running task computed.

        Returns:
            tuple[Tensor, dict]: The effective input and the information
            :meth:`account` needs (``kind``: ``'full'``, ``'task'`` or
            ``'temporal'``; ``nnz`` and ``numel`` of the delta).
        """
        temporal = self.video and not self.keyframe
        if self.task is None:
            if key not in self.layer_order:
                self.layer_order.append(key)
            ref = self.prev.get((None, key)) if temporal else None
            if ref is not None:
                self._check_shape(key, x, ref, 'previous frame')
                x_eff, nnz = self._sparsify(x, ref, self.temporal_threshold)
                info = dict(kind='temporal', nnz=nnz, numel=x.numel())
            else:
                x_eff = x
                info = dict(kind='full', nnz=x.numel(), numel=x.numel())
            self.base_inputs[key] = x_eff
            if self.video:
                self.prev[(None, key)] = x_eff.detach()
            return x_eff, info
        task = self.task
        ref = None
        if temporal and self.cross_task_keys is not None \
                and key not in self.cross_task_keys:
            ref = self.prev.get((task, key))
        if ref is not None:
            self._check_shape(key, x, ref, 'previous frame')
            x_eff, nnz = self._sparsify(x, ref, self.temporal_threshold)
            kind = 'temporal'
        else:
            ref = self.base_inputs.get(key)
            if ref is None:
                raise RuntimeError(
                    f'SharingContext: sub-task {task!r} reached layer {key!r} '
                    f'before the base task ({self.base_task!r}) ran it; run '
                    f'the base task first in every forward')
            self._check_shape(key, x, ref, 'base task')
            if self.collect_l1:
                self.l1_terms[task].append((x - ref).abs().mean())
            x_eff, nnz = self._sparsify(x, ref, self.threshold)
            kind = 'task'
        if self.video:
            self.prev[(task, key)] = x_eff.detach()
        return x_eff, dict(kind=kind, nnz=nnz, numel=x.numel())

    @staticmethod
    def _check_shape(key: str, x: Tensor, ref: Tensor, what: str) -> None:
        if x.shape != ref.shape:
            raise RuntimeError(
                f'SharingContext: layer {key!r} got an input of shape '
                f'{tuple(x.shape)} but the {what} used '
                f'{tuple(ref.shape)}; shared activations need equal input '
                f'sizes (video frames of one size, batch of the same images)')

    def account(self,
                key: str,
                dense_macs: int,
                info: Optional[dict],
                weight_density: float = 0.0) -> None:
        """Record the MACs of one call of layer ``key``.

        Effective MACs (what an execution that skips zero deltas costs):

        * ``full``: ``dense`` (the layer runs in full);
        * ``task``: ``dense * min(1, rho_x + rho_w)``, the cost of
          ``W_base dX`` plus ``dW X_sub`` (or of the plain product, if
          cheaper), with ``rho_x`` the density of the thresholded input
          delta and ``rho_w`` that of the effective weight delta;
        * ``temporal``: ``dense * rho_x`` (``W dX``; the weights are those
          of the previous frame);
        * ``info=None``: an operation without sharing (attention products),
          counted in full for every task and frame.

        Input entries are assumed to feed equally many outputs, which is
        exact for linear layers and, away from the borders, for stride-1
        convolutions.

        Args:
            key (str): Layer name (an operation inside it may append a
                suffix).
            dense_macs (int): MACs of the dense computation.
            info (dict, optional): What :meth:`share` returned.
            weight_density (float): ``rho_w`` of the running sub-task.
        """
        if not self.collect_stats:
            return
        if info is None:
            kind, rho_x, nnz, numel = 'unshared', 1.0, 0, 0
        else:
            kind, nnz, numel = info['kind'], info['nnz'], info['numel']
            rho_x = nnz / max(numel, 1)
        if kind in ('full', 'unshared'):
            eff = float(dense_macs)
        elif kind == 'task':
            eff = dense_macs * min(1.0, rho_x + weight_density)
        else:
            eff = dense_macs * rho_x
        self.records.append(
            dict(
                task=self.task if self.task is not None else self.base_task,
                key=key,
                kind=kind,
                dense_macs=int(dense_macs),
                eff_macs=float(eff),
                nnz=int(nnz),
                numel=int(numel),
                weight_density=float(weight_density)))
