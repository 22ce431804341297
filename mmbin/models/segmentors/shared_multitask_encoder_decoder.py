# Copyright (c) mmbin contributors. All rights reserved.
"""Computation sharing across tasks (and video frames): the base task runs
once, every sub-task as sparse deltas on it."""
import copy
import fnmatch
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList, add_prefix)
from torch import Tensor

from ..sharing import (DeltaLayerMixin, ParamDelta, SharingContext,
                       config_differences, load_step_state_dict,
                       remap_state_dict, resolve_step_checkpoint,
                       saved_model_cfg, wrap_for_sharing)
from .multitask_encoder_decoder import MultiTaskEncoderDecoder

__all__ = ['SharedMultiTaskEncoderDecoder']

_SHARING_KEYS = ('layers', 'exclude', 'delta_cfg', 'fix_mask',
                 'fix_mask_density', 'threshold', 'train_threshold',
                 'l0_weight', 'act_l1_weight')
_VIDEO_KEYS = ('keyframe_interval', 'temporal_threshold',
               'cross_task_layers')


@MODELS.register_module()
class SharedMultiTaskEncoderDecoder(MultiTaskEncoderDecoder):
    """One frozen base-task network, sub-tasks as weight and activation
    deltas on it, task-specific decoders (Shoouri et al., ICCV 2023)::

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
    own previous frame.

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

        self.video_cfg = self._check_video(video)
        self.init_from = self._check_init_from(init_from)
        self._video_state: Tuple[Optional[str], Optional[int]] = (None, None)
        self._frames_since_key = 0
        #: Operation counts of the last forward (see SharingContext).
        self.last_records: List[dict] = []
        self._freeze_base()

    # ------------------------------------------------------------------
    # configuration checks
    @staticmethod
    def _check_video(video: Optional[dict]) -> Optional[dict]:
        if video is None:
            return None
        video = dict(video)
        unknown = set(video) - set(_VIDEO_KEYS)
        if unknown:
            raise KeyError(f'SharedMultiTaskEncoderDecoder: unknown video '
                           f'keys {sorted(unknown)}; known: '
                           f'{list(_VIDEO_KEYS)}')
        out = dict(keyframe_interval=8, temporal_threshold=0.05,
                   cross_task_layers=0.5)
        out.update(video)
        if int(out['keyframe_interval']) < 1:
            raise ValueError(f'video.keyframe_interval must be >= 1, got '
                             f'{out["keyframe_interval"]}')
        layers = out['cross_task_layers']
        if isinstance(layers, (int, float)) and not 0 <= layers <= 1:
            raise ValueError(f'video.cross_task_layers must be a fraction '
                             f'in [0, 1] or a list of name patterns, got '
                             f'{layers}')
        return out

    def _check_init_from(self, init_from: Optional[dict]) -> Optional[dict]:
        if not init_from:
            return None
        init_from = copy.deepcopy(dict(init_from))
        unknown = set(init_from) - {'single_task', 'previous_step'}
        if unknown or len(init_from) != 1:
            raise KeyError(f'SharedMultiTaskEncoderDecoder: init_from takes '
                           f'exactly one of "single_task" and '
                           f'"previous_step", got {sorted(init_from)}')
        entries = init_from.get('single_task')
        if entries is not None:
            tasks = set(self.decode_heads)
            bad = set(entries) - tasks
            if bad or self.base_task not in entries:
                raise KeyError(f'init_from.single_task must name the base '
                               f'task {self.base_task!r} and only tasks of '
                               f'decode_heads {sorted(tasks)}; got '
                               f'{sorted(entries)}')
            items = list(entries.values())
        else:
            items = [init_from['previous_step']]
        for item in items:
            if 'checkpoint' not in item:
                raise KeyError(f'init_from entry {item} has no "checkpoint"')
        return init_from

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
            self._load_previous_step(self.init_from['previous_step'])
        else:
            for task, entry in self.init_from['single_task'].items():
                self._load_single_task(task, entry)
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

    def _load_single_task(self, task: str, entry: dict) -> None:
        what = f'step-1 checkpoint of task {task!r} (init_from.single_task)'
        path = resolve_step_checkpoint(entry['checkpoint'],
                                       entry.get('config'), what)
        state, meta = load_step_state_dict(path, with_meta=True)
        self._check_arch(saved_model_cfg(meta), [task], task ==
                         self.base_task, what, path, entry.get('config'))
        mapping = [('decoder.', f'decoders.{task}.'),
                   (f'decode_heads.{task}.', f'decode_heads.{task}.')]
        if task == self.base_task:
            mapping = [('backbone.', 'backbone.'),
                       ('neck.', 'neck.')] + mapping
        mapped = remap_state_dict(state, mapping)
        own = self.state_dict()
        targets = [dst for _, dst in mapping]
        expected = [
            k for k in own if any(k.startswith(t) for t in targets)
            and '.deltas.' not in k
        ]
        missing = [k for k in expected if k not in mapped]
        bad = [
            f'{k}: {tuple(v.shape)} vs {tuple(own[k].shape)}'
            for k, v in mapped.items() if k in own and v.shape != own[k].shape
        ]
        extra = [k for k in mapped if k not in own]
        if missing or bad or extra:
            raise RuntimeError(
                f'{what}: {path} does not fit this model (built from the '
                f'same backbone/decoder/head configs as '
                f'{entry.get("config", "the step-1 config")}?)\n'
                f'  missing: {missing[:8]}{" ..." if len(missing) > 8 else ""}'
                f'\n  shape mismatch: {bad[:8]}\n  unexpected: {extra[:8]}')
        self.load_state_dict(mapped, strict=False)
        print_log(f'loaded {len(mapped)} tensors of task {task!r} from '
                  f'{path}', logger='current')

    def _check_arch(self, saved: Optional[dict], tasks: Sequence[str],
                    encoder: bool, what: str, path: str,
                    config: Optional[str]) -> None:
        """Refuse a checkpoint whose recorded model config differs from
        this model's where it is loaded (same tensor shapes can hide a
        different computation, e.g. residual decoder blocks)."""
        if saved is None:
            return
        own = self.__dict__['_arch_cfg']
        diffs = []
        parts = ['backbone', 'neck'] if encoder else []
        parts += ['decoder']
        for part in parts:
            diffs += config_differences(saved.get(part), own[part], part)
        heads = saved.get('decode_heads') or {}
        for task in tasks:
            diffs += config_differences(heads.get(task),
                                        own['decode_heads'][task],
                                        f'decode_heads.{task}')
        if diffs:
            shown = '\n  '.join(diffs[:10])
            raise RuntimeError(
                f'{what}: {path} was trained with a different model than '
                f'this one builds (config {config or "?"}, as saved in the '
                f'checkpoint, vs this config):\n  {shown}\nRetrain it with '
                f'the current config or align the two configs.')

    def _load_previous_step(self, entry: dict) -> None:
        what = 'checkpoint of the previous sharing step ' \
               '(init_from.previous_step)'
        path = resolve_step_checkpoint(entry['checkpoint'],
                                       entry.get('config'), what)
        state, meta = load_step_state_dict(path, with_meta=True)
        self._check_arch(saved_model_cfg(meta), list(self.decode_heads), True,
                         what, path, entry.get('config'))
        try:
            self.load_state_dict(state, strict=True)
        except RuntimeError as err:
            raise RuntimeError(
                f'{what}: {path} does not fit this model; was it trained '
                f'with {entry.get("config", "the previous step config")} '
                f'(same tasks, layers and delta_cfg)?\n{err}') from err
        print_log(f'loaded the sharing model from {path}', logger='current')

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
            ctx.cross_task_keys = self._cross_task_keys(ctx.layer_order)
        for task in self.sub_tasks:
            with ctx.task_scope(task):
                feats = self._encode(inputs)
            preds[task] = self._decode(task, feats)
        self.last_records = ctx.records
        return dict(preds=preds), {}

    def _cross_task_keys(self, order: Sequence[str]) -> set:
        spec = self.video_cfg['cross_task_layers']
        if isinstance(spec, (int, float)):
            return set(order[:int(round(float(spec) * len(order)))])
        return {k for k in order if any(fnmatch.fnmatchcase(k, p)
                                        for p in spec)}

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
        self.sharing_ctx.reset_video()
        self._video_state = (None, None)

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
            ctx.video = True
            ctx.temporal_threshold = float(
                self.video_cfg['temporal_threshold'])
            ctx.keyframe = self._is_keyframe(meta)
            if ctx.keyframe:
                self._frames_since_key = 0
            else:
                self._frames_since_key += 1
            out.extend(super().predict(inputs[i:i + 1], sample))
            for s in out[-1:]:
                s.set_metainfo(dict(keyframe=bool(ctx.keyframe)))
        return out

    def _is_keyframe(self, meta: dict) -> bool:
        if 'sequence' not in meta or 'frame_index' not in meta:
            if not getattr(self, '_warned_no_seq', False):
                print_log(
                    'SharedMultiTaskEncoderDecoder: video mode without '
                    '"sequence"/"frame_index" meta keys (add them to '
                    'PackMultiTaskInputs.meta_keys); consecutive samples are '
                    'taken as one sequence', logger='current',
                    level=logging.WARNING)
                self.__dict__['_warned_no_seq'] = True
            seq, idx = '<unknown>', None
        else:
            seq, idx = str(meta['sequence']), int(meta['frame_index'])
        last_seq, last_idx = self._video_state
        self._video_state = (seq, idx)
        interval = int(self.video_cfg['keyframe_interval'])
        follows = seq == last_seq and (idx is None or last_idx is None
                                       or idx == last_idx + 1)
        if not follows:
            self.sharing_ctx.reset_video()
            return True
        return self._frames_since_key + 1 >= interval

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
