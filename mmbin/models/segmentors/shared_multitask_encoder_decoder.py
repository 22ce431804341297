# Copyright (c) mmbin contributors. All rights reserved.
"""Computation sharing across tasks (and video frames): the base task runs
once, every sub-task as sparse deltas on it.

The segmentor is the model; the pieces it drives live in
:mod:`mmbin.models.sharing`: the delta layers and their context, loading
the checkpoints of earlier steps (``init_from.py``) and the keyframe
schedule of video mode (``video_state.py``).
"""
import copy
import logging
import time
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList, add_prefix)
from torch import Tensor

from ..sharing import (DeltaLayerMixin, ParamDelta, SharingContext,
                       VideoState, check_init_from, check_video_cfg,
                       cross_task_keys, load_previous_step, load_single_task,
                       wrap_for_sharing)
from .multitask_encoder_decoder import MultiTaskEncoderDecoder

__all__ = ['SharedMultiTaskEncoderDecoder']

_SHARING_KEYS = ('layers', 'exclude', 'delta_cfg', 'activation_side',
                 'tensor_l0', 'fix_mask', 'fix_mask_density', 'threshold',
                 'threshold_granularity', 'skip_unchanged',
                 'train_threshold', 'l0_weight', 'act_l1_weight',
                 'temporal_l1_weight', 'temporal_distance')

#: ``sharing`` keys that are ``delta_cfg`` options, accepted at the top
#: level too.
_DELTA_CFG_KEYS = ('activation_side', 'tensor_l0')


def _merge_delta_cfg(sharing: dict) -> Optional[dict]:
    """``sharing.delta_cfg`` with ``activation_side`` / ``tensor_l0`` given
    directly in ``sharing`` merged in (the same value in both places is
    fine, two different values an error)."""
    delta_cfg = dict(sharing.get('delta_cfg') or {})
    for key in _DELTA_CFG_KEYS:
        if key not in sharing:
            continue
        if key in delta_cfg and delta_cfg[key] != sharing[key]:
            raise ValueError(
                f'SharedMultiTaskEncoderDecoder: sharing.{key}='
                f'{sharing[key]!r} contradicts sharing.delta_cfg.{key}='
                f'{delta_cfg[key]!r}; give it in one place')
        delta_cfg[key] = sharing[key]
    return delta_cfg or None


@MODELS.register_module()
class SharedMultiTaskEncoderDecoder(MultiTaskEncoderDecoder):
    """One frozen base-task network, sub-tasks as weight and activation
    deltas on it, task-specific decoders (computation sharing, see
    References)::

        base task   x -> encoder(W_base)                -> decoder_b -> head_b
        sub-task t  x -> encoder(W_base + dW_t, X_base + dX_t) -> decoder_t
                                                                 -> head_t

    The encoder (``backbone`` and optional ``neck``) is built once; the
    layers that ``sharing.layers`` selects become delta layers
    (:func:`~mmbin.models.sharing.wrap_for_sharing`) that hold, per
    sub-task, a gated weight delta (:class:`~mmbin.models.sharing.
    ParamDelta`) and share their input activation with the base task
    (:class:`~mmbin.models.sharing.SharingContext`). The base task (its
    encoder, norms included, decoder and head) is frozen: it is the
    single-task model of step 1. A forward runs the base task once, then
    each sub-task through the same modules with its deltas.

    Training steps (each a config, see ``configs/sharing``):

    1. every task alone (:class:`MultiTaskEncoderDecoder` with one head);
    2. weight deltas with the L0 penalty (``init_from.single_task`` loads
       the step-1 models: the base task's whole network, each sub-task's
       decoder and head); optionally a second stage with
       ``sharing.fix_mask=True`` that freezes the non-zero pattern and
       fine-tunes only those entries;
    3. activation deltas: an L1 penalty on the activation deltas, a
       ``sharing.threshold`` that zeroes small deltas at inference
       (``init_from.previous_step`` loads step 2);
    4. optionally, temporal sparsity for video (``temporal_l1_weight``):
       frame pairs ``temporal_distance`` apart; see below.

    Losses: ``<task>.<loss>`` of each sub-task head (times
    ``task_weights``), ``<task>.loss_l0`` (``l0_weight`` times the expected
    L0 count of the sub-task's weight deltas divided by the number of
    wrapped parameters, see :meth:`ParamDelta.expected_l0`),
    ``<task>.loss_act_l1`` (``act_l1_weight`` times the *sum* of
    ``|Y_sub - Y_base|`` over every entry, batch included, of every shared
    tensor of the sub-task: the outputs of the wrapped layers and of the
    LayerNorms on the output side, the inputs on the input side; the
    reference code's term, before any threshold) and
    ``<task>.loss_temporal_l1`` (``temporal_l1_weight`` times the sum of
    ``|Y_t - Y_{t-d}|`` over the sub-task's shared outputs of the layers
    that video mode shares with the previous frame, see below).
    ``<task>.w_density`` (expected fraction of non-zero weight deltas) and
    ``<task>.act_density`` (fraction of non-zero activation deltas) are
    logged.

    Temporal-sparsity training (``temporal_l1_weight > 0``, after step 2's
    fixed-mask stage): every batch must hold frames of sequences
    (``sequence`` / ``frame_index`` meta keys, e.g. a
    :class:`~mmbin.datasets.VideoMultiTaskDataset` read in order). Each
    frame ``t`` whose frame ``t - temporal_distance`` of the same sequence
    is in the batch forms a pair: the earlier frames run first without
    gradients and their sub-task outputs are kept; the later frames then
    run with gradients, with the task losses and the term
    ``sum |Y_t - Y_{t-d}|`` over the shared outputs of the sub-task layers
    outside ``video.cross_task_layers`` (all layers without ``video``).
    Frames without a partner are left out of the batch.

    Video (``video`` set): :meth:`predict` runs the samples one by one as
    frames; a frame is a keyframe at the start of a sequence (the
    ``sequence`` meta key changes or ``frame_index`` does not follow the
    previous one) and every ``keyframe_interval`` frames. On keyframes the
    tasks share as above; on other frames the base task reuses its previous
    frame's activations plus deltas thresholded by ``temporal_threshold``,
    and the sub-tasks' layers in ``cross_task_layers`` borrow the base
    task's current activations while the later ones reuse the sub-task's
    own previous frame (:class:`~mmbin.models.sharing.VideoState`).

    After every forward, :attr:`last_records` holds the operation count of
    every wrapped layer and task (see :meth:`SharingContext.account`).

    Args:
        backbone (dict): Backbone config (the shared encoder).
        decode_heads (dict[str, dict]): Head config per task, the base task
            included.
        decoder (dict, optional): Decoder config, built once per task.
        neck (dict, optional): Neck config (part of the shared encoder).
        base_task (str): The base task. Defaults to ``'seg'``.
        sharing (dict, optional): ``layers`` (name patterns, default
            ``['backbone.*', 'neck.*']``), ``exclude`` (patterns),
            ``delta_cfg`` (:class:`ParamDelta` arguments: ``per_element``,
            ``per_tensor``, ``init_log_alpha``, ``limits``,
            ``temperature``, ``tensor_l0``, and ``activation_side``:
            ``'output'`` or ``'input'``), ``activation_side`` and
            ``tensor_l0`` (the same ``delta_cfg`` options, accepted here
            too), ``fix_mask`` (bool), ``fix_mask_density``
            (float, optional: when fixing, keep at most this fraction of
            each sub-task's wrapped parameters, the largest deltas in
            magnitude), ``threshold`` (float,
            activation delta threshold), ``threshold_granularity``
            (``'element'``, default, or ``'token'``: a token's delta is
            kept or dropped as a whole by its mean ``|delta|``),
            ``skip_unchanged`` (bool, inference: compute only the tokens
            whose input changed, where exact; default False),
            ``train_threshold`` (how the
            threshold acts in training: ``'ste'``, the default, zeroes in
            the forward and passes gradients straight through, so that
            layers before a zeroed delta still learn; ``'mask'`` also
            blocks the gradient; ``'none'`` thresholds only at inference),
            ``l0_weight`` (float), ``act_l1_weight`` (float),
            ``temporal_l1_weight`` (float, default 0) and
            ``temporal_distance`` (int >= 1, default 1: frames apart in a
            temporal pair).
        video (dict, optional): ``keyframe_interval`` (int, default 8),
            ``temporal_threshold`` (float, default 0.05),
            ``cross_task_layers`` (fraction of the wrapped layers in
            execution order, default 0.5, or a list of name patterns).
        init_from (dict, optional): Checkpoints read by :meth:`init_weights`
            (training only): ``single_task=dict(<task>=dict(checkpoint=...,
            config=...))`` for step 2, or ``previous_step=dict(checkpoint=
            ..., config=...)`` for later steps. ``checkpoint`` is a file or a
            work directory; ``config`` names the config that produces it.
        task_weights (dict[str, float], optional): Loss weight per task.
        pretrained (str, optional): Backbone checkpoint (overwritten by
            ``init_from``).
        train_cfg (dict, optional): Unused.
        test_cfg (dict, optional): See :class:`MultiTaskEncoderDecoder`.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): Initialisation config.

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_heads: Dict[str, ConfigType],
                 decoder: OptConfigType = None,
                 neck: OptConfigType = None,
                 base_task: str = 'seg',
                 sharing: Optional[dict] = None,
                 video: Optional[dict] = None,
                 init_from: Optional[dict] = None,
                 task_weights: Optional[Dict[str, float]] = None,
                 pretrained: Optional[str] = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if base_task not in decode_heads:
            raise KeyError(f'SharedMultiTaskEncoderDecoder: base_task '
                           f'{base_task!r} has no head in decode_heads '
                           f'({list(decode_heads)})')
        if len(decode_heads) < 2:
            raise ValueError('SharedMultiTaskEncoderDecoder needs the base '
                             'task and at least one sub-task in '
                             'decode_heads')
        super().__init__(
            backbone=backbone,
            decode_heads=decode_heads,
            neck=neck,
            decoder=None,
            task_weights=task_weights,
            pretrained=pretrained,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.base_task = base_task
        self.sub_tasks = [t for t in self.decode_heads if t != base_task]
        # what the checkpoints of earlier steps must have been trained with
        self.__dict__['_arch_cfg'] = copy.deepcopy(
            dict(backbone=backbone, neck=neck, decoder=decoder,
                 decode_heads=decode_heads))
        self.decoders = nn.ModuleDict({
            task: MODELS.build(copy.deepcopy(decoder))
            for task in self.decode_heads
        }) if decoder is not None else None

        sharing = dict(sharing or {})
        unknown = set(sharing) - set(_SHARING_KEYS)
        if unknown:
            raise KeyError(f'SharedMultiTaskEncoderDecoder: unknown sharing '
                           f'keys {sorted(unknown)}; known: '
                           f'{list(_SHARING_KEYS)}')
        self.fix_mask = bool(sharing.get('fix_mask', False))
        density = sharing.get('fix_mask_density')
        if density is not None and not 0 <= float(density) <= 1:
            raise ValueError(f'sharing.fix_mask_density must be in [0, 1], '
                             f'got {density}')
        self.fix_mask_density = None if density is None else float(density)
        self.threshold = float(sharing.get('threshold', 0.0))
        self.l0_weight = float(sharing.get('l0_weight', 0.0))
        self.act_l1_weight = float(sharing.get('act_l1_weight', 0.0))
        if self.threshold < 0:
            raise ValueError(f'sharing.threshold must be >= 0, got '
                             f'{self.threshold}')
        self.sharing_ctx = SharingContext(base_task, self.sub_tasks)
        train_threshold = sharing.get('train_threshold', 'ste')
        if train_threshold not in ('ste', 'mask', 'none'):
            raise ValueError(f'sharing.train_threshold must be "ste", '
                             f'"mask" or "none", got {train_threshold!r}')
        self.sharing_ctx.train_threshold = train_threshold
        granularity = sharing.get('threshold_granularity', 'element')
        if granularity not in ('element', 'token'):
            raise ValueError(f'sharing.threshold_granularity must be '
                             f'"element" or "token", got {granularity!r}')
        self.sharing_ctx.granularity = granularity
        self.sharing_ctx.skip_unchanged = bool(
            sharing.get('skip_unchanged', False))
        self.temporal_l1_weight = float(sharing.get('temporal_l1_weight',
                                                    0.0))
        if self.temporal_l1_weight < 0:
            raise ValueError(f'sharing.temporal_l1_weight must be >= 0, got '
                             f'{self.temporal_l1_weight}')
        distance = sharing.get('temporal_distance', 1)
        if isinstance(distance, bool) or not isinstance(distance, int) \
                or distance < 1:
            raise ValueError(f'sharing.temporal_distance must be an int '
                             f'>= 1 (frames between the two frames of a '
                             f'pair), got {distance!r}')
        self.temporal_distance = distance
        if self.temporal_l1_weight > 0 and not self.fix_mask:
            raise ValueError(
                'sharing.temporal_l1_weight needs sharing.fix_mask=True: '
                'temporal-sparsity training compares two forwards, which '
                'sampled L0 gates would make differ; train it after step '
                "2's fixed-mask stage (e.g. from the step-3 model)")
        self.__dict__['_shared_names'] = wrap_for_sharing(
            self,
            sharing.get('layers', ['backbone.*', 'neck.*']),
            self.sub_tasks,
            self.sharing_ctx,
            exclude=sharing.get('exclude', ()),
            delta_cfg=_merge_delta_cfg(sharing),
            allowed_prefixes=('backbone', 'neck'))

        self.video_cfg = check_video_cfg(video)
        self.init_from = check_init_from(init_from, self.decode_heads,
                                         base_task)
        #: Keyframe schedule of video mode (see :class:`VideoState`).
        self.video_state = VideoState(self.sharing_ctx)
        #: Operation counts of the last forward (see SharingContext).
        self.last_records: List[dict] = []
        #: Wall-clock milliseconds of each task (encoder and decoder) in
        #: the last :meth:`forward_features`.
        self.last_timings: Dict[str, float] = {}
        self._freeze_base()

    # ------------------------------------------------------------------
    # structure
    @property
    def shared_layer_names(self) -> List[str]:
        """list[str]: Names of the wrapped (delta) layers."""
        return list(self.__dict__['_shared_names'])

    def _encoder_modules(self) -> List[nn.Module]:
        mods = [self.backbone]
        if self.neck is not None:
            mods.append(self.neck)
        return mods

    def _delta_layers(self) -> List[DeltaLayerMixin]:
        return [
            m for enc in self._encoder_modules() for m in enc.modules()
            if isinstance(m, DeltaLayerMixin)
        ]

    def _param_deltas(self, task: Optional[str] = None) -> List[ParamDelta]:
        out = []
        for layer in self._delta_layers():
            for t, per in layer.deltas.items():
                if task is None or t == task:
                    out.extend(per.values())
        return out

    def _base_modules(self) -> List[nn.Module]:
        mods = self._encoder_modules() + [self.decode_heads[self.base_task]]
        if self.decoders is not None:
            mods.append(self.decoders[self.base_task])
        return mods

    def _freeze_base(self) -> None:
        delta_params = {id(p) for pd in self._param_deltas()
                        for p in pd.parameters()}
        for mod in self._base_modules():
            for p in mod.parameters():
                if id(p) not in delta_params:
                    p.requires_grad_(False)
        if self.fix_mask:
            for pd in self._param_deltas():
                for gate in (pd.gate, pd.tensor_gate):
                    if gate is not None:
                        gate.log_alpha.requires_grad_(False)

    def train(self, mode: bool = True) -> 'SharedMultiTaskEncoderDecoder':
        """Set the mode; the frozen base task (encoder norms included, but
        not the sub-tasks' gates) always stays in eval mode."""
        super().train(mode)
        for mod in self._base_modules():
            mod.train(False)
        for pd in self._param_deltas():
            pd.train(mode)
        return self

    # ------------------------------------------------------------------
    # initialisation from earlier steps
    def init_weights(self) -> None:
        """Initialise, then load the checkpoints of ``init_from`` and, with
        ``sharing.fix_mask``, freeze the non-zero pattern of the deltas."""
        super().init_weights()
        if self.init_from is None:
            print_log(
                'SharedMultiTaskEncoderDecoder: no init_from; the frozen base '
                'task keeps its initial weights (set init_from.single_task '
                'to the step-1 checkpoints)', logger='current',
                level=logging.WARNING)
        elif 'previous_step' in self.init_from:
            load_previous_step(self, self.init_from['previous_step'],
                               self.__dict__['_arch_cfg'],
                               list(self.decode_heads))
        else:
            for task, entry in self.init_from['single_task'].items():
                load_single_task(self, task, entry,
                                 self.__dict__['_arch_cfg'])
        self._fix_masks()

    @torch.no_grad()
    def _fix_masks(self) -> None:
        """With ``sharing.fix_mask``, freeze the deltas' non-zero patterns
        (those not fixed yet), pruned to ``fix_mask_density`` per task."""
        if not self.fix_mask:
            return
        # the module tree is fixed after construction: list the deltas once
        per_task = self.__dict__.get('_pds_by_task')
        if per_task is None:
            per_task = {t: self._param_deltas(t) for t in self.sub_tasks}
            self.__dict__['_pds_by_task'] = per_task
        if all(bool(pd.fixed) for pds in per_task.values() for pd in pds):
            return
        for task in self.sub_tasks:
            pds = [pd for pd in self._param_deltas(task) if not pd.fixed]
            if not pds:
                continue
            min_abs = 0.0
            if self.fix_mask_density is not None:
                values = torch.cat(
                    [pd.deterministic().abs().flatten() for pd in pds])
                keep = int(self.fix_mask_density * values.numel())
                if keep <= 0:
                    min_abs = float('inf')
                elif keep < values.numel():
                    min_abs = float(values.kthvalue(values.numel() - keep +
                                                    1).values)
                    min_abs = max(min_abs, torch.finfo(values.dtype).tiny)
            for pd in pds:
                pd.fix_(min_abs)

    # ------------------------------------------------------------------
    # forward
    def _encode(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        x = tuple(self.backbone(inputs))
        if self.neck is not None:
            x = tuple(self.neck(x))
        return x

    def _decode(self, task: str, feats: Tuple[Tensor, ...]) -> Tensor:
        if self.decoders is not None:
            feats = tuple(self.decoders[task](feats))
        return self.decode_heads[task](feats)

    def forward_features(self,
                         inputs: Tensor,
                         with_losses: bool = False
                         ) -> Tuple[dict, Dict[str, Tensor]]:
        """Run the base task, then every sub-task as deltas.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            with_losses (bool): Collect the L1 terms of the activation
                deltas for :meth:`loss`.

        Returns:
            tuple[dict, dict]: ``dict(preds={task: Tensor})`` with each
            head's raw output, and an empty loss dict.
        """
        self._fix_masks()
        ctx = self.sharing_ctx
        ctx.begin_forward()
        ctx.threshold = self.threshold
        ctx.collect_l1 = with_losses and self.act_l1_weight > 0
        ctx.weight_stats = not self.training
        preds, timings = {}, {}
        start = time.perf_counter()
        with torch.no_grad(), ctx.task_scope(None):
            feats = self._encode(inputs)
            preds[self.base_task] = self._decode(self.base_task, feats)
        timings[self.base_task] = 1e3 * (time.perf_counter() - start)
        if ctx.video and ctx.cross_task_keys is None:
            ctx.cross_task_keys = cross_task_keys(
                ctx.layer_order, self.video_cfg['cross_task_layers'])
        for task in self.sub_tasks:
            start = time.perf_counter()
            with ctx.task_scope(task):
                feats = self._encode(inputs)
            preds[task] = self._decode(task, feats)
            timings[task] = 1e3 * (time.perf_counter() - start)
        self.last_records = ctx.records
        self.last_timings = timings
        return dict(preds=preds), {}

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Sub-task losses and the sharing penalties (the base task is
        frozen and has no loss).

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            data_samples (list[SegDataSample]): Ground truth of the
                sub-tasks.

        Returns:
            dict[str, Tensor]: Loss and log items.
        """
        self.sharing_ctx.video = False
        temporal = self.temporal_l1_weight > 0
        if temporal:
            inputs, data_samples, n_pairs = self._temporal_forward(
                inputs, data_samples)
        try:
            feats, losses = self.forward_features(inputs, with_losses=True)
        finally:
            self.sharing_ctx.temporal_mode = None
        if temporal:
            losses['temporal_pairs'] = inputs.new_tensor(float(n_pairs))
        for task in self.sub_tasks:
            task_losses = self.decode_heads[task].loss_by_feat(
                feats['preds'][task], data_samples)
            w = self.task_weights[task]
            if w != 1.0:
                task_losses = {
                    k: v * w if k.startswith('loss') else v
                    for k, v in task_losses.items()
                }
            losses.update(add_prefix(task_losses, task))
            losses.update(add_prefix(self._sharing_losses(task), task))
        return losses

    def temporal_pairs(self, data_samples: SampleList
                       ) -> List[Tuple[int, int]]:
        """Frame pairs of a batch for temporal-sparsity training.

        Args:
            data_samples (list[SegDataSample]): Samples with ``sequence``
                and ``frame_index`` meta keys.

        Returns:
            list[tuple[int, int]]: ``(later, earlier)`` sample indices, the
            earlier frame ``temporal_distance`` frames before the later one
            in the same sequence, in the order of the later frames.

        Raises:
            ValueError: If a sample lacks the meta keys.
        """
        where = {}
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            if 'sequence' not in meta or 'frame_index' not in meta:
                raise ValueError(
                    'SharedMultiTaskEncoderDecoder: temporal_l1_weight needs '
                    'frames with "sequence" and "frame_index" meta keys '
                    '(a VideoMultiTaskDataset and PackMultiTaskInputs('
                    'meta_keys=(..., "sequence", "frame_index"))); sample '
                    f'{i} has {sorted(meta)}')
            where.setdefault((str(meta['sequence']),
                              int(meta['frame_index'])), i)
        pairs = []
        for (seq, k), i in where.items():
            j = where.get((seq, k - self.temporal_distance))
            if j is not None:
                pairs.append((i, j))
        return sorted(pairs)

    def _temporal_forward(self, inputs: Tensor, data_samples: SampleList
                          ) -> Tuple[Tensor, SampleList, int]:
        """Run the earlier frame of every pair (no gradients) recording the
        sub-tasks' outputs; return the later frames and their samples, for
        the forward that adds the temporal term, and the number of
        pairs."""
        ctx = self.sharing_ctx
        pairs = self.temporal_pairs(data_samples)
        if not pairs:
            raise ValueError(
                f'SharedMultiTaskEncoderDecoder: no two frames of a batch '
                f'are temporal_distance={self.temporal_distance} apart in '
                f'one sequence (frames '
                f'{[(s.metainfo["sequence"], s.metainfo["frame_index"]) for s in data_samples]}'  # noqa: E501
                f'); read the frames in order (sampler shuffle=False) with '
                f'a batch_size above temporal_distance')
        later = [i for i, _ in pairs]
        earlier = [j for _, j in pairs]
        ctx.temporal_refs = {}
        ctx.temporal_keys = None
        ctx.temporal_mode = 'record'
        try:
            with torch.no_grad():
                self.forward_features(inputs[earlier])
        finally:
            ctx.temporal_mode = None
        if self.video_cfg is not None:
            cross = cross_task_keys(ctx.layer_order,
                                    self.video_cfg['cross_task_layers'])
            ctx.temporal_keys = set(ctx.layer_order) - cross
        ctx.temporal_mode = 'penalise'
        return inputs[later], [data_samples[i] for i in later], len(pairs)

    def _sharing_losses(self, task: str) -> Dict[str, Tensor]:
        pds = self._param_deltas(task)
        numel = sum(pd.delta.numel() for pd in pds)
        expected = torch.stack([pd.expected_l0() for pd in pds]).sum()
        density = expected / max(numel, 1)
        out = {'w_density': density.detach()}
        if self.l0_weight > 0 and any(pd.gated for pd in pds):
            out['loss_l0'] = self.l0_weight * density
        l1 = self.sharing_ctx.l1_terms.get(task)
        if self.act_l1_weight > 0 and l1 is not None:
            # the sum over every shared tensor of the sub-task (one running
            # total kept by the context), as the reference code's term
            out['loss_act_l1'] = self.act_l1_weight * l1
        temporal = self.sharing_ctx.temporal_l1.get(task)
        if self.temporal_l1_weight > 0 and temporal is not None:
            out['loss_temporal_l1'] = self.temporal_l1_weight * temporal
        recs = [
            r for r in self.last_records
            if r['task'] == task and r['kind'] == 'task'
        ]
        if recs:
            nnz = sum(r['nnz'] for r in recs)
            tot = sum(r['numel'] for r in recs)
            out['act_density'] = density.new_tensor(nnz / max(tot, 1))
        return out

    # ------------------------------------------------------------------
    # video inference
    def reset_video(self) -> None:
        """Forget the previous frame: the next frame is a keyframe."""
        self.video_state.reset()

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Predict every task; in video mode, frame by frame.

        Args:
            inputs (Tensor): Images (frames in temporal order in video
                mode).
            data_samples (list[SegDataSample], optional): Samples; video
                mode reads their ``sequence`` and ``frame_index`` meta keys.

        Returns:
            list[SegDataSample]: Samples with every task's prediction.
        """
        ctx = self.sharing_ctx
        if self.video_cfg is None:
            ctx.video = False
            return super().predict(inputs, data_samples)
        if self.test_cfg.get('flip', False) or self.test_cfg.get(
                'mode', 'whole') != 'whole':
            raise ValueError('SharedMultiTaskEncoderDecoder: video mode runs '
                             'each frame once; set test_cfg.mode="whole" '
                             'and test_cfg.flip=False')
        out = []
        for i in range(inputs.shape[0]):
            sample = None if data_samples is None else [data_samples[i]]
            meta = sample[0].metainfo if sample is not None else {}
            self.video_state.begin_frame(meta, self.video_cfg)
            out.extend(super().predict(inputs[i:i + 1], sample))
            for s in out[-1:]:
                s.set_metainfo(dict(keyframe=bool(ctx.keyframe)))
        return out

    # ------------------------------------------------------------------
    # summaries
    @torch.no_grad()
    def weight_sharing_summary(self) -> Dict[str, dict]:
        """Per sub-task: wrapped parameters, non-zero deltas and the
        percentage of the wrapped parameters shared with the base task.

        Returns:
            dict[str, dict]: ``task -> dict(params, nonzero, shared_pct)``.
        """
        out = {}
        for task in self.sub_tasks:
            pds = self._param_deltas(task)
            total = sum(pd.delta.numel() for pd in pds)
            nnz = sum(pd.nonzero_count() for pd in pds)
            out[task] = dict(
                params=total,
                nonzero=nnz,
                shared_pct=100.0 * (1 - nnz / max(total, 1)))
        return out
