# Copyright (c) mmbin contributors. All rights reserved.
"""All distillation terms of a multi-task student, with their connectors."""
import copy
from typing import Dict, List, Optional, Sequence

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

__all__ = ['MultiTaskDistillLoss']

_SOURCES = ('backbone', 'neck', 'decoder')


@MODELS.register_module()
class MultiTaskDistillLoss(BaseModule):
    """Feature and per-task prediction distillation from a frozen teacher.

    This module belongs to the *student*
    (``MultiTaskEncoderDecoder(distill_loss=...)``): its 1x1 connectors are
    trained with the student, saved in the student's checkpoint (so
    ``--resume`` restores them) and wrapped by DDP with it. The teacher is
    not part of it; :class:`~mmbin.engine.hooks.BiMTDPDistillHook` attaches
    the teacher to the student and sets the schedule scale.

    Feature terms compare ``student[source][index]`` (through a connector)
    with ``teacher[teacher_source][teacher_index]``; sources are
    ``'backbone'`` (backbone outputs), ``'neck'`` (what the decoder receives:
    the neck output, or the backbone output for a model without neck) and
    ``'decoder'`` (the shared decoder's outputs; index 0 is the fused map).
    Prediction terms compare the task heads' outputs (seg logits, depth in
    metres, unnormalised normals, boundary logits), each at the student
    head's resolution.

    Args:
        features (list[dict]): Feature terms, each with keys ``name``
            (str, the loss item becomes ``loss_kd_<name>``), ``source``
            (str), ``index`` (int), optional ``teacher_source`` /
            ``teacher_index`` (default: the student's),
            ``student_channels`` and ``teacher_channels`` (int; a 1x1
            convolution maps the student's channels to the teacher's when
            they differ) and ``loss`` (dict, default
            ``dict(type='FeatureDistillLoss')``).
        predictions (dict[str, dict]): Task name to loss config, e.g.
            ``dict(seg=dict(type='ChannelWiseDistillLoss', tau=4.0),
            depth=dict(type='RegressionDistillLoss'))``; the loss item is
            ``loss_kd_<task>``.
        init_cfg (dict, optional): Initialisation config.

    References:
        - Shang et al., "Efficient Multitask Dense Predictor via
          Binarization", CVPR 2024. https://arxiv.org/abs/2405.14136
          (the code link of the paper, https://github.com/42Shawn/BiMTDP,
          held only a README when this was written)
        - Hinton et al., "Distilling the Knowledge in a Neural Network",
          2015. https://arxiv.org/abs/1503.02531
        - Shu et al., "Channel-wise Knowledge Distillation for Dense
          Prediction", ICCV 2021. https://arxiv.org/abs/2011.13256
    """

    def __init__(self,
                 features: Sequence[dict] = (),
                 predictions: Optional[Dict[str, dict]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.feature_specs: List[dict] = []
        self.connectors = nn.ModuleDict()
        self.feature_losses = nn.ModuleDict()
        for i, spec in enumerate(features):
            spec = dict(spec)
            for key in ('name', 'source', 'index'):
                if key not in spec:
                    raise KeyError(f'distill_loss.features[{i}] lacks the '
                                   f'key "{key}" (got {spec})')
            name = spec['name']
            if name in self.feature_losses:
                raise ValueError(f'distill_loss.features: duplicate name '
                                 f'"{name}"')
            spec.setdefault('teacher_source', spec['source'])
            spec.setdefault('teacher_index', spec['index'])
            for key in ('source', 'teacher_source'):
                if spec[key] not in _SOURCES:
                    raise ValueError(
                        f'distill_loss.features["{name}"].{key} must be one '
                        f'of {_SOURCES}, got {spec[key]!r}')
            s_ch = spec.get('student_channels')
            t_ch = spec.get('teacher_channels')
            if s_ch is not None and t_ch is not None and s_ch != t_ch:
                self.connectors[name] = nn.Conv2d(s_ch, t_ch, kernel_size=1)
            else:
                self.connectors[name] = nn.Identity()
            self.feature_losses[name] = MODELS.build(
                copy.deepcopy(
                    spec.get('loss', dict(type='FeatureDistillLoss'))))
            self.feature_specs.append(spec)
        self.prediction_losses = nn.ModuleDict({
            task:
            MODELS.build(copy.deepcopy(cfg))
            for task, cfg in (predictions or {}).items()
        })

    @property
    def loss_names(self) -> List[str]:
        """list[str]: The loss items this module returns."""
        return [f'loss_kd_{s["name"]}' for s in self.feature_specs
                ] + [f'loss_kd_{t}' for t in self.prediction_losses]

    @staticmethod
    def _pick(feats: dict, source: str, index: int, who: str,
              name: str) -> Tensor:
        level = feats[source]
        if not -len(level) <= index < len(level):
            raise IndexError(
                f'distill_loss term "{name}": {who} {source} has '
                f'{len(level)} outputs, index {index} is out of range')
        return level[index]

    def forward(self,
                student: dict,
                teacher: Optional[dict],
                scale: float = 1.0) -> Dict[str, Tensor]:
        """Compute every term, times ``scale``.

        Args:
            student (dict): ``backbone``, ``neck``, ``decoder`` (tuples of
                tensors) and ``preds`` (dict of task to head output) of the
                student, from
                :meth:`MultiTaskEncoderDecoder.forward_features`.
            teacher (dict, optional): The same for the teacher. ``None`` (or
                ``scale == 0``) gives zero losses that still reach the
                connectors' parameters, so the items keep their names in the
                log and DDP sees every parameter used.
            scale (float): Schedule factor (warm-up ramp, 0 after the stop
                iteration). Defaults to 1.

        Returns:
            dict[str, Tensor]: ``loss_kd_<name>`` items.
        """
        ref = next(iter(student['preds'].values()))
        if teacher is None or scale == 0:
            zero = ref.sum() * 0.
            for p in self.connectors.parameters():
                zero = zero + p.sum() * 0.
            return {name: zero for name in self.loss_names}
        losses = dict()
        for spec in self.feature_specs:
            name = spec['name']
            s = self._pick(student, spec['source'], spec['index'], 'student',
                           name)
            t = self._pick(teacher, spec['teacher_source'],
                           spec['teacher_index'], 'teacher', name)
            s = self.connectors[name](s)
            if s.shape[1] != t.shape[1]:
                raise ValueError(
                    f'distill_loss term "{name}": student features have '
                    f'{s.shape[1]} channels after the connector, the '
                    f"teacher's {t.shape[1]}; set student_channels and "
                    'teacher_channels of this term')
            if s.shape[2:] != t.shape[2:]:
                t = resize(
                    t, size=s.shape[2:], mode='bilinear', align_corners=False)
            losses[f'loss_kd_{name}'] = scale * self.feature_losses[name](s, t)
        for task, loss in self.prediction_losses.items():
            if task not in student['preds'] or task not in teacher['preds']:
                raise KeyError(
                    f'distill_loss.predictions has task "{task}", but the '
                    f'student predicts {sorted(student["preds"])} and the '
                    f'teacher {sorted(teacher["preds"])}')
            s = student['preds'][task]
            t = teacher['preds'][task]
            if s.shape[2:] != t.shape[2:]:
                t = resize(
                    t, size=s.shape[2:], mode='bilinear', align_corners=False)
            losses[f'loss_kd_{task}'] = scale * loss(s, t)
        return losses
