# Copyright (c) mmbin contributors. All rights reserved.
"""Multi-task encoder-decoder: one backbone, one decoder, one head per
task."""
import copy
import inspect
import logging
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList, add_prefix)
from torch import Tensor

from ..decode_heads.base_task_head import BaseTaskHead

__all__ = ['MultiTaskEncoderDecoder']


@MODELS.register_module()
class MultiTaskEncoderDecoder(BaseSegmentor):
    """Multi-task dense predictor::

        backbone -> [neck] -> [decoder] -> {task: head}

    or, with ``cross_task`` (Bi-MTDP-C)::

        ... -> [decoder] -> {task: head blocks} -> cross_task
            -> {task: head prediction layer}

    The backbone is any mmseg backbone (``ResNetV1c``, mmbin's
    ``BiResNet``), the optional neck any mmseg neck or mmbin's ``IBNeck``
    (whose ``loss_ib`` joins the losses), the optional decoder a module
    shared by all tasks (mmbin's ``MultiTaskFPNDecoder``; without it the
    heads read the neck output) and ``decode_heads`` one
    :class:`~mmbin.models.decode_heads.BaseTaskHead` per task, keyed by task
    name (``seg``, ``depth``, ``normal``, ``edge``, ``parts``,
    ``saliency``).

    Losses are reported as ``<task>.<loss_name>`` (times the task's weight
    in ``task_weights``), ``loss_ib`` from the neck and ``loss_kd_*`` from
    ``distill_loss`` when a teacher is attached by
    :class:`~mmbin.engine.hooks.BiMTDPDistillHook`. The teacher is kept
    outside the module tree (not a submodule): it never enters this model's
    ``state_dict``, ``parameters()`` (hence the optimizer) or a DDP wrapper.

    Predictions are written to each :class:`SegDataSample` by the heads:
    ``pred_sem_seg`` + ``seg_logits``, ``pred_depth_map``,
    ``pred_normal_map`` (unit length), ``pred_edge_map`` (probability),
    ``pred_parts`` + ``parts_logits``, ``pred_saliency``, at the original
    image size.

    Args:
        backbone (dict): Backbone config.
        decode_heads (dict[str, dict]): Task name to head config.
        neck (dict, optional): Neck config.
        decoder (dict, optional): Shared decoder config.
        task_weights (dict[str, float], optional): Weight of every loss item
            of a task; missing tasks weigh 1.
        task_balancer (dict, optional): Automatic task balancing
            (``dict(type='UncertaintyWeighting' | 'DynamicWeightAverage' |
            'GradNorm', ...)``, :mod:`mmbin.models.losses.task_balancers`;
            ``tasks`` is filled in). It weighs each task's loss (after
            ``task_weights``) every step, adds its own loss items
            (``loss_uncertainty``, ``loss_gradnorm``) and logs the weights
            as ``<task>.balance_weight``. Defaults to None: the fixed
            ``task_weights`` alone.
        distill_loss (dict, optional): Config of the student-side
            distillation module
            (:class:`~mmbin.models.losses.MultiTaskDistillLoss`); requires
            the distillation hook.
        cross_task (dict, optional): A cross-task interaction module
            (:class:`~mmbin.models.decode_heads.CrossTaskInteraction`)
            between the heads' 3x3 blocks and their 1x1 prediction layers:
            it receives ``{task: features}`` and returns the same with the
            other tasks' messages added. ``tasks`` and ``channels`` are
            filled in from the heads, which must all be
            :class:`~mmbin.models.decode_heads.BaseTaskHead` s of one width.
            Its outputs are ``forward_features()['task_feats']``. Defaults
            to None (heads run independently).
        train_cfg (dict, optional): Unused; kept for mmseg compatibility.
        test_cfg (dict, optional): ``mode`` (``'whole'`` or ``'slide'``
            with ``crop_size`` and ``stride``), ``flip`` (bool, flip
            test-time augmentation: the average of the prediction and the
            flipped-back prediction of the flipped image) and
            ``flip_direction`` (``'horizontal'``).
        data_preprocessor (dict, optional): Data preprocessor config.
        pretrained (str, optional): Backbone checkpoint (sets
            ``backbone.init_cfg``).
        init_cfg (dict, optional): Initialisation config.

    References:
        - Vandenhende et al., "Multi-Task Learning for Dense Prediction
          Tasks: A Survey", TPAMI 2021. https://arxiv.org/abs/2004.13379
          Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
        - Shang et al., "Efficient Multitask Dense Predictor via
          Binarization", CVPR 2024. https://arxiv.org/abs/2405.14136
          (the code link of the paper, https://github.com/42Shawn/BiMTDP,
          held only a README when this was written)
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_heads: Dict[str, ConfigType],
                 neck: OptConfigType = None,
                 decoder: OptConfigType = None,
                 task_weights: Optional[Dict[str, float]] = None,
                 distill_loss: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None,
                 task_balancer: OptConfigType = None,
                 cross_task: OptConfigType = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not decode_heads:
            raise ValueError('MultiTaskEncoderDecoder: decode_heads must map '
                             'at least one task name to a head config')
        backbone = copy.deepcopy(backbone)
        if pretrained is not None:
            backbone['init_cfg'] = dict(
                type='Pretrained', checkpoint=pretrained)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.decoder = MODELS.build(decoder) if decoder is not None else None
        self.decode_heads = nn.ModuleDict({
            task: MODELS.build(cfg)
            for task, cfg in decode_heads.items()
        })
        task_weights = dict(task_weights or {})
        unknown = set(task_weights) - set(self.decode_heads)
        if unknown:
            raise KeyError(f'MultiTaskEncoderDecoder: task_weights names '
                           f'{sorted(unknown)}, which have no head in '
                           f'decode_heads ({list(self.decode_heads)})')
        self.task_weights = {
            t: float(task_weights.get(t, 1.0))
            for t in self.decode_heads
        }
        self.distill_loss = MODELS.build(
            distill_loss) if distill_loss is not None else None
        self.task_balancer = self._build_task_balancer(task_balancer)
        self.cross_task = self._build_cross_task(cross_task)
        self.train_cfg = train_cfg
        self.test_cfg = copy.deepcopy(test_cfg) if test_cfg is not None \
            else dict(mode='whole')
        first = next(iter(self.decode_heads.values()))
        self.align_corners = first.align_corners
        if 'seg' in self.decode_heads:
            self.num_classes = self.decode_heads['seg'].num_classes
            self.out_channels = self.decode_heads['seg'].out_channels
        #: Scale of the distillation losses, set every iteration by the
        #: distillation hook (warm-up ramp, 0 after its stop iteration).
        self.kd_scale = 1.0
        self.__dict__['_teacher'] = None

    def _build_task_balancer(self,
                             cfg: OptConfigType) -> Optional[nn.Module]:
        """Build ``task_balancer`` for this model's tasks."""
        if cfg is None:
            return None
        cfg = dict(copy.deepcopy(cfg))
        tasks = cfg.pop('tasks', None)
        if tasks is not None and list(tasks) != list(self.decode_heads):
            raise ValueError(
                f'MultiTaskEncoderDecoder: task_balancer.tasks {list(tasks)} '
                f'differs from the heads {list(self.decode_heads)}; leave '
                'it out (it is filled in)')
        return MODELS.build(dict(cfg, tasks=list(self.decode_heads)))

    def _build_cross_task(self, cfg: OptConfigType) -> Optional[nn.Module]:
        """Build ``cross_task`` for this model's heads (``tasks`` and
        ``channels`` filled in and checked)."""
        if cfg is None:
            return None
        for task, head in self.decode_heads.items():
            if not isinstance(head, BaseTaskHead) or \
                    type(head).forward is not BaseTaskHead.forward:
                raise TypeError(
                    f'MultiTaskEncoderDecoder: cross_task needs every head '
                    f'to be a BaseTaskHead whose prediction is '
                    f'activate_output(cls_seg(features)); the {task} head '
                    f'is a {type(head).__name__}. Use the *TaskHead heads '
                    'or remove model.cross_task')
        widths = {task: head.channels
                  for task, head in self.decode_heads.items()}
        cfg = dict(copy.deepcopy(cfg))
        tasks = cfg.pop('tasks', None)
        if tasks is not None and list(tasks) != list(self.decode_heads):
            raise ValueError(
                f'MultiTaskEncoderDecoder: cross_task.tasks {list(tasks)} '
                f'differs from the heads {list(self.decode_heads)}; leave '
                'it out (it is filled in)')
        channels = cfg.pop('channels', None)
        if len(set(widths.values())) != 1 or (
                channels is not None and channels not in widths.values()):
            raise ValueError(
                f'MultiTaskEncoderDecoder: cross_task exchanges features '
                f'between heads of one width; the heads have channels '
                f'{widths}' + ('' if channels is None else
                               f' and cross_task.channels is {channels}') +
                '. Give every head the same channels and leave '
                'cross_task.channels out (it is filled in)')
        return MODELS.build(
            dict(cfg, tasks=list(self.decode_heads),
                 channels=next(iter(widths.values()))))

    # ------------------------------------------------------------------
    # teacher (kept out of the module tree)
    @property
    def tasks(self) -> List[str]:
        """list[str]: Task names, in head order."""
        return list(self.decode_heads)

    @property
    def teacher(self) -> Optional[nn.Module]:
        """nn.Module | None: The attached distillation teacher."""
        return self.__dict__.get('_teacher')

    def set_teacher(self, teacher: Optional[nn.Module]) -> None:
        """Attach (or with ``None`` detach) a frozen teacher.

        The teacher is stored in the instance dictionary, not registered as a
        submodule, so it stays out of ``state_dict()``, ``parameters()``,
        ``named_modules()``, ``.to()`` / ``.train()`` recursion and DDP.

        Args:
            teacher (nn.Module, optional): A model with
                ``forward_features`` (a :class:`MultiTaskEncoderDecoder`).
        """
        if teacher is not None and not hasattr(teacher, 'forward_features'):
            raise TypeError(f'teacher must be a MultiTaskEncoderDecoder '
                            f'(has forward_features), got '
                            f'{type(teacher).__name__}')
        self.__dict__['_teacher'] = teacher

    # ------------------------------------------------------------------
    # forward pieces
    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Backbone and neck features (what the decoder receives)."""
        x = self.backbone(inputs)
        if self.neck is not None:
            x = self.neck(x)
        return tuple(x)

    def forward_features(
            self,
            inputs: Tensor,
            with_losses: bool = False) -> Tuple[dict, Dict[str, Tensor]]:
        """Run the whole network, keeping every intermediate.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            with_losses (bool): Collect the neck's losses (``loss_ib``).

        Returns:
            tuple[dict, dict]: ``dict(backbone=tuple, neck=tuple,
            decoder=tuple, preds={task: Tensor})`` with the heads' raw
            outputs at their own resolution (with ``cross_task`` also
            ``task_feats={task: Tensor}``, its outputs), and the neck
            losses.
        """
        losses: Dict[str, Tensor] = {}
        bb = tuple(self.backbone(inputs))
        if self.neck is None:
            nk = bb
        elif with_losses and _accepts_return_losses(self.neck):
            nk, losses = self.neck(bb, return_losses=True)
            nk = tuple(nk)
        else:
            nk = tuple(self.neck(bb))
        dec = tuple(self.decoder(nk)) if self.decoder is not None else nk
        if self.cross_task is None:
            preds = {
                task: head(dec)
                for task, head in self.decode_heads.items()
            }
            return dict(
                backbone=bb, neck=nk, decoder=dec, preds=preds), losses
        task_feats = self.cross_task({
            task: head._forward_feature(dec)
            for task, head in self.decode_heads.items()
        })
        preds = {
            task: head.activate_output(head.cls_seg(task_feats[task]))
            for task, head in self.decode_heads.items()
        }
        return dict(
            backbone=bb, neck=nk, decoder=dec, preds=preds,
            task_feats=task_feats), losses

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """Raw predictions of every task resized to the input size.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            batch_img_metas (list[dict]): Image meta information (unused).

        Returns:
            dict[str, Tensor]: Task to ``(N, C_task, H, W)``.
        """
        feats, _ = self.forward_features(inputs)
        return {
            task: self.decode_heads[task].resize_output(out, inputs.shape[2:])
            for task, out in feats['preds'].items()
        }

    def _forward(self,
                 inputs: Tensor,
                 data_samples: OptSampleList = None) -> Dict[str, Tensor]:
        """Network forward without post-processing (``mode='tensor'``).

        Returns:
            dict[str, Tensor]: Task to its head's raw output.
        """
        return self.forward_features(inputs)[0]['preds']

    # ------------------------------------------------------------------
    # training
    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Task losses, ``loss_ib`` and, with a teacher, the distillation
        losses.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            data_samples (list[SegDataSample]): With the ground truth of
                every task.

        Returns:
            dict[str, Tensor]: Loss items (and ``seg.acc_seg``).
        """
        feats, losses = self.forward_features(inputs, with_losses=True)
        per_task = {}
        for task, head in self.decode_heads.items():
            task_losses = head.loss_by_feat(feats['preds'][task], data_samples)
            w = self.task_weights[task]
            if w != 1.0:
                task_losses = {
                    k: v * w if k.startswith('loss') else v
                    for k, v in task_losses.items()
                }
            per_task[task] = task_losses
        if self.task_balancer is not None:
            per_task, balance_losses = self._balance(per_task)
            losses.update(balance_losses)
        for task, task_losses in per_task.items():
            losses.update(add_prefix(task_losses, task))
        if self.distill_loss is not None:
            losses.update(self._distill(inputs, feats))
        return losses

    def _balance(self, per_task: Dict[str, Dict[str, Tensor]]
                 ) -> Tuple[Dict[str, Dict[str, Tensor]], Dict[str, Tensor]]:
        """Weigh every task's loss items with ``task_balancer``.

        Returns:
            tuple[dict, dict]: The weighted loss items of every task (with
            ``balance_weight``, the detached weight, for the log) and the
            balancer's own loss items.
        """
        totals = {}
        for task, items in per_task.items():
            terms = [v for k, v in items.items() if k.startswith('loss')]
            if not terms:
                raise ValueError(f'MultiTaskEncoderDecoder: the {task} head '
                                 'returned no loss_* item to balance')
            totals[task] = sum(terms)
        weights, extra = self.task_balancer(totals, self)
        out = {}
        for task, items in per_task.items():
            w = weights[task]
            out[task] = {
                k: v * w if k.startswith('loss') else v
                for k, v in items.items()
            }
            out[task]['balance_weight'] = w.detach()
        return out, extra

    def _distill(self, inputs: Tensor, feats: dict) -> Dict[str, Tensor]:
        teacher = self.teacher
        if teacher is None:
            raise RuntimeError(
                'MultiTaskEncoderDecoder: model.distill_loss is set but no '
                'teacher is attached. Add the distillation hook to the '
                "config (custom_hooks=[dict(type='BiMTDPDistillHook', "
                "teacher_config=..., teacher_checkpoint=...)]) or remove "
                'model.distill_loss.')
        scale = float(self.kd_scale)
        t_feats = None
        if scale > 0:
            if teacher.training:
                teacher.eval()
            with torch.no_grad():
                t_feats, _ = teacher.forward_features(inputs)
        return self.distill_loss(feats, t_feats, scale)

    # ------------------------------------------------------------------
    # inference
    def whole_inference(self, inputs: Tensor,
                        batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """Inference on the whole (padded) image."""
        return self.encode_decode(inputs, batch_img_metas)

    def slide_inference(self, inputs: Tensor,
                        batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """Sliding-window inference with overlap (``test_cfg.crop_size``,
        ``test_cfg.stride``); overlapping windows are averaged per task.
        A window larger than the image is clipped to it.
        """
        h_stride, w_stride = self.test_cfg['stride']
        h_crop, w_crop = self.test_cfg['crop_size']
        batch_size, _, h_img, w_img = inputs.size()
        h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
        w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
        preds: Dict[str, Tensor] = {}
        count = inputs.new_zeros((batch_size, 1, h_img, w_img))
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y1 = h_idx * h_stride
                x1 = w_idx * w_stride
                y2 = min(y1 + h_crop, h_img)
                x2 = min(x1 + w_crop, w_img)
                y1 = max(y2 - h_crop, 0)
                x1 = max(x2 - w_crop, 0)
                crop = inputs[:, :, y1:y2, x1:x2]
                outs = self.encode_decode(crop, batch_img_metas)
                pad = (int(x1), int(w_img - x2), int(y1), int(h_img - y2))
                for task, out in outs.items():
                    padded = F.pad(out, pad)
                    preds[task] = preds[task] + padded \
                        if task in preds else padded
                count[:, :, y1:y2, x1:x2] += 1
        if (count == 0).any():
            raise RuntimeError('slide_inference left pixels uncovered; '
                               'check test_cfg.crop_size and stride')
        return {task: p / count for task, p in preds.items()}

    def _inference_once(self, inputs: Tensor,
                        batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        mode = self.test_cfg.get('mode', 'whole')
        if mode == 'slide':
            return self.slide_inference(inputs, batch_img_metas)
        if mode == 'whole':
            return self.whole_inference(inputs, batch_img_metas)
        raise ValueError(f'test_cfg.mode must be "whole" or "slide", got '
                         f'{mode!r}')

    def inference(self, inputs: Tensor,
                  batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """Inference (whole or slide), with flip test-time augmentation
        when ``test_cfg.flip`` is true.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            batch_img_metas (list[dict]): Image meta information.

        Returns:
            dict[str, Tensor]: Task to raw prediction ``(N, C, H, W)`` at
            the input size.
        """
        ori_shape = batch_img_metas[0].get('ori_shape')
        if not all(m.get('ori_shape') == ori_shape for m in batch_img_metas):
            print_log(
                'Image shapes are different in the batch.',
                logger='current',
                level=logging.WARN)
        outs = self._inference_once(inputs, batch_img_metas)
        if self.test_cfg.get('flip', False):
            direction = self.test_cfg.get('flip_direction', 'horizontal')
            dims = (3, ) if direction == 'horizontal' else (2, )
            flipped = self._inference_once(
                inputs.flip(dims=dims), batch_img_metas)
            outs = {
                task:
                0.5 *
                (out +
                 self.decode_heads[task].flip_back(flipped[task], direction))
                for task, out in outs.items()
            }
        return outs

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Predict every task and write the results to the data samples.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            data_samples (list[SegDataSample], optional): Samples with meta
                information (and ground truth, kept).

        Returns:
            list[SegDataSample]: With the prediction fields of every head.
        """
        if data_samples is not None:
            batch_img_metas = [s.metainfo for s in data_samples]
        else:
            batch_img_metas = [
                dict(
                    ori_shape=inputs.shape[2:],
                    img_shape=inputs.shape[2:],
                    pad_shape=inputs.shape[2:],
                    padding_size=[0, 0, 0, 0])
            ] * inputs.shape[0]
        outs = self.inference(inputs, batch_img_metas)
        return self.postprocess_result(outs, data_samples)

    def postprocess_result(self,
                           outs: Dict[str, Tensor],
                           data_samples: OptSampleList = None) -> SampleList:
        """Remove padding, undo a pipeline flip, resize to the original
        shape and let each head write its fields.

        Args:
            outs (dict[str, Tensor]): Task to ``(N, C, H, W)``.
            data_samples (list[SegDataSample], optional): The samples.

        Returns:
            list[SegDataSample]: The samples with predictions.
        """
        batch_size = next(iter(outs.values())).shape[0]
        only_prediction = data_samples is None
        if only_prediction:
            data_samples = [SegDataSample() for _ in range(batch_size)]
        for i in range(batch_size):
            meta = {} if only_prediction else data_samples[i].metainfo
            for task, head in self.decode_heads.items():
                out = outs[task][i:i + 1]
                if not only_prediction:
                    out = self._undo_geometry(out, meta, head)
                data_samples[i].set_data(head.postprocess(out[0]))
        return data_samples

    @staticmethod
    def _undo_geometry(out: Tensor, meta: dict, head: nn.Module) -> Tensor:
        """Crop the padding, flip back (pipeline flip), resize to
        ``ori_shape``."""
        _, _, h, w = out.shape
        pad = meta.get('img_padding_size',
                       meta.get('padding_size', [0, 0, 0, 0]))
        left, right, top, bottom = pad
        out = out[:, :, top:h - bottom, left:w - right]
        if meta.get('flip', False):
            out = head.flip_back(out, meta.get('flip_direction', 'horizontal'))
        if 'ori_shape' in meta:
            out = head.resize_output(out, meta['ori_shape'][:2])
        return out


def _accepts_return_losses(module: nn.Module) -> bool:
    """Whether a neck's forward takes ``return_losses`` (like IBNeck)."""
    try:
        return 'return_losses' in inspect.signature(module.forward).parameters
    except (TypeError, ValueError):
        return False
