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

_SHARING_KEYS = ('layers', 'exclude', 'delta_cfg', 'fix_mask',
                 'fix_mask_density', 'threshold', 'train_threshold',
                 'l0_weight', 'act_l1_weight')


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
    3. activation deltas: ``sharing.threshold > 0`` and an L1 penalty on
       ``X_sub - X_base`` (``init_from.previous_step`` loads step 2).

    Losses: ``<task>.<loss>`` of each sub-task head (times
    ``task_weights``), ``<task>.loss_l0`` (``l0_weight`` times the expected
    fraction of non-zero weight deltas of the sub-task, i.e. the expected L0
    norm divided by the number of wrapped parameters) and
    ``<task>.loss_act_l1`` (``act_l1_weight`` times the mean over wrapped
    layers of ``mean |X_sub - X_base|``). ``<task>.w_density`` (expected
    fraction of non-zero weight deltas) and ``<task>.act_density``
    (fraction of non-zero activation deltas) are logged.

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
            ``temperature``), ``fix_mask`` (bool), ``fix_mask_density``
            (float, optional: when fixing, keep at most this fraction of
            each sub-task's wrapped parameters, the largest deltas in
            magnitude), ``threshold`` (float,
            activation delta threshold), ``train_threshold`` (how the
            threshold acts in training: ``'ste'``, the default, zeroes in
            the forward and passes gradients straight through, so that
            layers before a zeroed delta still learn; ``'mask'`` also
            blocks the gradient; ``'none'`` thresholds only at inference),
            ``l0_weight`` (float),
            ``act_l1_weight`` (float).
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
        self.__dict__['_shared_names'] = wrap_for_sharing(
            self,
            sharing.get('layers', ['backbone.*', 'neck.*']),
            self.sub_tasks,
            self.sharing_ctx,
            exclude=sharing.get('exclude', ()),
            delta_cfg=sharing.get('delta_cfg'),
            allowed_prefixes=('backbone', 'neck'))

        self.video_cfg = check_video_cfg(video)
        self.init_from = check_init_from(init_from, self.decode_heads,
                                         base_task)
        #: Keyframe schedule of video mode (see :class:`VideoState`).
        self.video_state = VideoState(self.sharing_ctx)
        #: Operation counts of the last forward (see SharingContext).
        self.last_records: List[dict] = []
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
        preds = {}
        with torch.no_grad(), ctx.task_scope(None):
            feats = self._encode(inputs)
            preds[self.base_task] = self._decode(self.base_task, feats)
        if ctx.video and ctx.cross_task_keys is None:
            ctx.cross_task_keys = cross_task_keys(
                ctx.layer_order, self.video_cfg['cross_task_layers'])
        for task in self.sub_tasks:
            with ctx.task_scope(task):
                feats = self._encode(inputs)
            preds[task] = self._decode(task, feats)
        self.last_records = ctx.records
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
        feats, losses = self.forward_features(inputs, with_losses=True)
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

    def _sharing_losses(self, task: str) -> Dict[str, Tensor]:
        pds = self._param_deltas(task)
        numel = sum(pd.delta.numel() for pd in pds)
        expected = torch.stack([pd.expected_l0() for pd in pds]).sum()
        density = expected / max(numel, 1)
        out = {'w_density': density.detach()}
        if self.l0_weight > 0 and any(pd.gated for pd in pds):
            out['loss_l0'] = self.l0_weight * density
        terms = self.sharing_ctx.l1_terms.get(task, [])
        if self.act_l1_weight > 0 and terms:
            out['loss_act_l1'] = self.act_l1_weight * torch.stack(
                terms).mean()
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
