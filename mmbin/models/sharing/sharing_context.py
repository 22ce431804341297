# Copyright (c) mmbin contributors. All rights reserved.
"""Runtime state that the delta layers of one model share: which task
runs, the base task's activations, the previous frame's activations and the
operation counts of the current forward."""
import contextlib
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

    Each delta layer shares on one side (its ``activation_side``, a
    ``delta_cfg`` option):

    * **output** (:meth:`share_output`, the reference code's choice): the
      layer computes its output ``y`` from the input it received and
      replaces it by ``y_ref + T(y - y_ref)``, where ``y_ref`` is the base
      task's output of the layer (cross-task) or the layer's output on the
      previous frame (temporal). Its cost is that of the *input* delta
      ``x - x_ref`` (exact zeros skip work), recorded by :meth:`account`;
      the thresholded output makes the next layers' input deltas sparse.
    * **input** (:meth:`share`): the layer's input ``x`` is replaced by
      ``x_ref + T(x - x_ref)`` before the multiplication, so its cost is
      that of the thresholded input delta.

    For both, the base task (``task is None``) computes in full and keeps
    its tensors as the references of the sub-tasks; in video mode, on a
    non-key frame, it shares against its own previous frame, and the
    sub-task layers outside the cross-task set use the sub-task's previous
    frame instead of the base task.

    ``T(d)`` zeroes the entries with ``|d| < threshold``; kept entries are
    the running task's values exactly (with a threshold of 0 a sub-task
    computes its dense result). The layer multiplies by its (task) weights,
    which equals reusing the reference's result and adding
    ``W_base dX + dW X`` (cross-task) or ``W dX`` (temporal); :meth:`account`
    records the MACs such a sparse execution costs.

    The L1 term of step 3 (:attr:`collect_l1`) is the reference code's:
    the sum of ``|delta|`` over all entries (the batch included) of every
    shared tensor of a sub-task (raw outputs on the output side, inputs on
    the input side; norm layers add their output deltas), before any
    threshold. ``l1_terms[task]`` holds that sum (one running total per
    sub-task, a scalar tensor).

    Thresholds act per entry (``granularity='element'``) or per token
    (``'token'``: a token's delta, all its features, is kept when its mean
    ``|delta|`` reaches the threshold, else dropped as a whole; a token is
    a row of a linear layer's input, a pixel of a convolution's). With
    :attr:`skip_unchanged` (inference, output side) a layer computes only
    the tokens whose input differs from the reference's and takes the
    reference's output for the others, where that is exact: always for
    temporal references (same weights as on the previous frame), and for
    cross-task references only where the running sub-task's weight delta
    of the layer is zero (see the layers' ``_skip_reference``).

    Temporal-sparsity training (:attr:`temporal_mode`): a forward in
    ``'record'`` mode keeps each sub-task's raw outputs of the temporal
    layers (:attr:`temporal_keys`, None: all) as constants; the next
    forward in ``'penalise'`` mode adds ``sum |y - y_recorded|`` per
    sub-task to ``temporal_l1[task]``. The segmentor runs the earlier
    frame of each pair in the first and the later frame in the second.

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
        #: Cross-task threshold on the activation deltas.
        self.threshold = 0.0
        #: How thresholds act while gradients are recorded: ``'ste'``
        #: (entries zeroed in the forward, straight-through gradient),
        #: ``'mask'`` (zeroed entries get no gradient) or ``'none'`` (no
        #: threshold; only inference thresholds, the reference code's
        #: training).
        self.train_threshold = 'ste'
        #: Collect the L1 term of the activation deltas per sub-task.
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
        #: Output side: ``key -> (input, effective output)`` of the base
        #: task in this forward.
        self.base_outputs: Dict[str, Tuple[Tensor, Tensor]] = {}
        #: Previous frame per ``(task or None, key)``: the effective input
        #: (input side) or ``(input, effective output)`` (output side).
        self.prev: Dict[Tuple[Optional[str], str], object] = {}
        #: Wrapped layers in the order the base task ran them.
        self.layer_order: List[str] = []
        self.records: List[dict] = []
        #: Step-3 L1 term per sub-task: one running sum (scalar tensor).
        self.l1_terms: Dict[str, Tensor] = {}
        #: ``'element'`` or ``'token'`` thresholds (see the class doc).
        self.granularity = 'element'
        #: Inference: compute only the tokens whose input changed where
        #: that is exact (output side; see the class doc).
        self.skip_unchanged = False
        #: Temporal-sparsity training: None, ``'record'`` or
        #: ``'penalise'``.
        self.temporal_mode: Optional[str] = None
        #: Layers in the temporal L1 term (None: every shared layer).
        self.temporal_keys: Optional[Set[str]] = None
        #: Recorded raw outputs ``(task, key) -> Tensor`` of the earlier
        #: frames.
        self.temporal_refs: Dict[Tuple[str, str], Tensor] = {}
        #: Temporal L1 term per sub-task (running sum).
        self.temporal_l1: Dict[str, Tensor] = {}

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
        self.base_outputs = {}
        self.records = []
        self.l1_terms = {}
        self.temporal_l1 = {}

    def reset_video(self) -> None:
        """Forget the previous frame (a new sequence starts)."""
        self.prev = {}

    # ------------------------------------------------------------------
    def _sparsify(self, x: Tensor, ref: Tensor, threshold: float,
                  feature_dim: int = -1) -> Tuple[Tensor, int]:
        """``ref + T(x - ref)`` and the number of non-zero delta entries.

        Kept entries are taken from ``x`` as they are, dropped ones from
        ``ref`` (so a threshold of 0 returns ``x`` itself). Without any
        non-zero entry (and no gradient to carry) the reference tensor
        itself is returned, so the layer computes bit for bit what the
        reference computed. ``feature_dim`` is the dimension that holds a
        token's features (token thresholds).
        """
        grad = torch.is_grad_enabled() and x.requires_grad
        mode = self.train_threshold if grad else 'mask'
        with torch.no_grad():
            diff = x - ref
            if threshold > 0 and mode != 'none':
                if self.granularity == 'token' and diff.dim() > 1:
                    keep = diff.abs().mean(feature_dim, keepdim=True) \
                        >= threshold
                    keep = keep.expand_as(diff)
                else:
                    keep = diff.abs() >= threshold
                nnz = int(torch.count_nonzero(keep & (diff != 0)))
            else:
                keep = None
                nnz = int(torch.count_nonzero(diff))
        if nnz == 0 and not grad:
            return ref, 0
        if keep is None:
            return x, nnz
        kept = torch.where(keep, x, ref)
        if mode == 'ste':
            kept = x + (kept - x).detach()
        return kept, nnz

    def _add_l1(self, task: str, diff: Tensor) -> None:
        """Add ``sum |diff|`` to the running task's L1 term."""
        term = diff.abs().sum()
        old = self.l1_terms.get(task)
        self.l1_terms[task] = term if old is None else old + term

    def _temporal_l1_term(self, task: str, key: str, y: Tensor) -> None:
        """Temporal-sparsity training: record ``y`` (earlier frame) or add
        ``sum |y - y_recorded|`` (later frame) for layer ``key``."""
        if self.temporal_mode is None or (
                self.temporal_keys is not None
                and key not in self.temporal_keys):
            return
        if self.temporal_mode == 'record':
            self.temporal_refs[(task, key)] = y.detach()
            return
        ref = self.temporal_refs.get((task, key))
        if ref is None:
            raise RuntimeError(
                f'SharingContext: no earlier-frame output of layer {key!r} '
                f'for sub-task {task!r}; run the earlier frames with '
                f'temporal_mode="record" first')
        self._check_shape(key, y, ref, 'earlier frame', 'output')
        term = (y - ref).abs().sum()
        old = self.temporal_l1.get(task)
        self.temporal_l1[task] = term if old is None else old + term

    def _temporal(self, key: str) -> bool:
        """Whether the running sub-task shares layer ``key`` with its own
        previous frame (video, non-key frame, outside the cross-task
        layers)."""
        return (self.video and not self.keyframe
                and self.cross_task_keys is not None
                and key not in self.cross_task_keys)

    def share(self, key: str, x: Tensor,
              feature_dim: int = -1) -> Tuple[Tensor, dict]:
        """Input side: replace the input of layer ``key`` by its shared
        version.

        Args:
            key (str): The layer's name in the model.
            x (Tensor): The input the running task computed.
            feature_dim (int): Dimension of a token's features (token
                thresholds). Defaults to -1.

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
                x_eff, nnz = self._sparsify(x, ref, self.temporal_threshold,
                                            feature_dim)
                info = dict(kind='temporal', nnz=nnz, numel=x.numel())
            else:
                x_eff = x
                info = dict(kind='full', nnz=x.numel(), numel=x.numel())
            self.base_inputs[key] = x_eff
            if self.video:
                self.prev[(None, key)] = x_eff.detach()
            return x_eff, info
        task = self.task
        ref = self.prev.get((task, key)) if self._temporal(key) else None
        if ref is not None:
            self._check_shape(key, x, ref, 'previous frame')
            x_eff, nnz = self._sparsify(x, ref, self.temporal_threshold,
                                        feature_dim)
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
                self._add_l1(task, x - ref)
            x_eff, nnz = self._sparsify(x, ref, self.threshold, feature_dim)
            kind = 'task'
        if self.video:
            self.prev[(task, key)] = x_eff.detach()
        return x_eff, dict(kind=kind, nnz=nnz, numel=x.numel())

    def output_reference(self, key: str
                         ) -> Tuple[Optional[Tuple[Tensor, Tensor]], str]:
        """The reference that :meth:`share_output` will use for layer
        ``key`` and the running task: ``((x_ref, y_ref), kind)`` with
        ``kind`` ``'temporal'`` (previous frame) or ``'task'`` (the base
        task), or ``(None, 'full')`` where the layer runs in full (the base
        task on an image or keyframe).

        Raises:
            RuntimeError: If a sub-task reaches the layer before the base
                task ran it in this forward.
        """
        if self.task is None:
            if self.video and not self.keyframe:
                ref = self.prev.get((None, key))
                if ref is not None:
                    return ref, 'temporal'
            return None, 'full'
        if self._temporal(key):
            ref = self.prev.get((self.task, key))
            if ref is not None:
                return ref, 'temporal'
        ref = self.base_outputs.get(key)
        if ref is None:
            raise RuntimeError(
                f'SharingContext: sub-task {self.task!r} reached layer '
                f'{key!r} before the base task ({self.base_task!r}) ran it; '
                f'run the base task first in every forward')
        return ref, 'task'

    def share_output(self, key: str, x: Tensor, y: Tensor,
                     feature_dim: int = -1) -> Tuple[Tensor, dict]:
        """Output side: replace the output ``y`` of layer ``key`` (computed
        from its input ``x``) by its shared version.

        The returned ``nnz`` / ``numel`` count the entries of the input
        delta ``x - x_ref`` (exact zeros: what the layer's cost depends
        on); ``out_nnz`` / ``out_numel`` those of the thresholded output
        delta (what the layer passes on).

        Args:
            key (str): The layer's name in the model.
            x (Tensor): The input the layer received.
            y (Tensor): The output the layer computed from it.
            feature_dim (int): Dimension of a token's features in ``y``
                (token thresholds). Defaults to -1.

        Returns:
            tuple[Tensor, dict]: The effective output and the information
            :meth:`account` needs.
        """
        ref, kind = self.output_reference(key)
        task = self.task
        if task is None and key not in self.layer_order:
            self.layer_order.append(key)
        if kind == 'full':
            y_eff = y
            info = dict(kind='full', nnz=x.numel(), numel=x.numel(),
                        out_nnz=y.numel(), out_numel=y.numel())
        else:
            if kind == 'task':
                self._temporal_l1_term(task, key, y)
                if self.collect_l1:
                    self._check_shape(key, y, ref[1], 'base task', 'output')
                    self._add_l1(task, y - ref[1])
            threshold = self.threshold if kind == 'task' else \
                self.temporal_threshold
            what = 'base task' if kind == 'task' else 'previous frame'
            y_eff, info = self._share_against(key, x, y, ref, threshold,
                                              what, feature_dim)
            info['kind'] = kind
        if task is None:
            self.base_outputs[key] = (x, y_eff)
        if self.video:
            self.prev[(task, key)] = (x.detach(), y_eff.detach())
        return y_eff, info

    def _share_against(self, key: str, x: Tensor, y: Tensor,
                       ref: Tuple[Tensor, Tensor], threshold: float,
                       what: str, feature_dim: int = -1
                       ) -> Tuple[Tensor, dict]:
        x_ref, y_ref = ref
        self._check_shape(key, x, x_ref, what)
        self._check_shape(key, y, y_ref, what, 'output')
        with torch.no_grad():
            nnz_in = 0 if x is x_ref else int(torch.count_nonzero(x - x_ref))
        y_eff, nnz_out = self._sparsify(y, y_ref, threshold, feature_dim)
        return y_eff, dict(nnz=nnz_in, numel=x.numel(), out_nnz=nnz_out,
                           out_numel=y.numel())

    def observe_output(self, key: str, y: Tensor) -> None:
        """Output of a layer that is penalised but not thresholded (a norm
        layer on the output side, as the reference code's ``norm1``): the
        base task keeps it, a sub-task adds ``sum |y - y_base|`` to its L1
        term when :attr:`collect_l1` is set."""
        if self.task is None:
            self.base_outputs[key] = (y, y)
            return
        if not self.collect_l1 or self._temporal(key):
            return
        ref = self.base_outputs.get(key)
        if ref is None:
            raise RuntimeError(
                f'SharingContext: sub-task {self.task!r} reached layer '
                f'{key!r} before the base task ({self.base_task!r}) ran it; '
                f'run the base task first in every forward')
        self._check_shape(key, y, ref[1], 'base task', 'output')
        self._add_l1(self.task, y - ref[1])

    @staticmethod
    def _check_shape(key: str, x: Tensor, ref: Tensor, what: str,
                     which: str = 'input') -> None:
        if x.shape != ref.shape:
            raise RuntimeError(
                f'SharingContext: layer {key!r} got an {which} of shape '
                f'{tuple(x.shape)} but the {what} had '
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
          cheaper), with ``rho_x`` the density of the input delta (the
          thresholded one on the input side, the one the layer received on
          the output side) and ``rho_w`` that of the effective weight
          delta;
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
            info (dict, optional): What :meth:`share` or
                :meth:`share_output` returned.
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
                out_nnz=int(info.get('out_nnz', nnz) if info else 0),
                out_numel=int(info.get('out_numel', numel) if info else 0),
                weight_density=float(weight_density)))
