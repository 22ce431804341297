# Copyright (c) mmbin contributors. All rights reserved.
"""Cross-task interaction between the task branches (the cross-talk pathway
of Bi-MTDP-C): gated messages from every task's features to every other
task's."""
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from .bypass_conv_module import BypassConvModule

__all__ = ['CrossTaskInteraction']


@MODELS.register_module()
class CrossTaskInteraction(BaseModule):
    """Multi-modal distillation between task branches (PAD-Net / MTI-Net),
    buildable from binary convolutions.

    For tasks ``T`` with features ``F_t`` of shape ``(N, C, H, W)`` (the
    output of each task head's 3x3 blocks, before its 1x1 prediction
    layer)::

        [M_s->t, A_s->t for t != s] = split(BypassConvModule(F_s))
        F'_t = F_t + sum_{s != t} gamma_s->t * sigmoid(A_s->t) * M_s->t

    ``M_s->t`` is the message of task ``s`` to task ``t`` and
    ``sigmoid(A_s->t)`` its spatial-and-channel gate; both are computed from
    the sender's features, as in the multi-modal distillation of the
    PAD-Net / MTI-Net reference implementation (``SABlock``:
    ``conv(x) * sigmoid(conv(x))``), and added to the receiver's features.

    The paper names Bi-MTDP-C's "binarized cross-talk pathway" and gives no
    details; what follows is **our choice**:

    - **Where.** Between the task heads' 3x3 blocks and their 1x1
      prediction layers (:class:`MultiTaskEncoderDecoder` ``cross_task``),
      i.e. on the task-specific features, at the resolution of the heads
      (stride 4). PAD-Net and MTI-Net also supervise an initial prediction
      of every task before the distillation; we do not (no extra heads or
      losses), the task losses on the final predictions train the module.
    - **Convolutions.** One convolution per *sender* with ``2 (T-1) C``
      outputs (the messages and gate logits to every receiver), which is the
      same arithmetic as MTI-Net's two ``C -> C`` convolutions per ordered
      pair, run as one layer. Built with ``conv_cfg``: ``ReActConv`` in
      Bi-MTDP-C (binary weights and activations, the RSign threshold shared
      by the sender's messages and gates), ``None`` (``nn.Conv2d``) in the
      full-precision twin (the teacher); the parameter names are the same,
      so the FP twin's checkpoint initialises the binary module
      (``FPInitHook``).
    - **Real-valued path.** ``bypass=True`` adds the sender's features to
      every message and gate logit (:class:`BypassConvModule`'s parameter-
      free channel-adaptive bypass, here a tiling: output chunk ``j`` gets
      ``F_s``), as around every binary convolution of Bi-Real / ReActNet /
      BiDense; a message is then ``BN(binconv(F_s)) + F_s``. BN follows each
      convolution; the gate is a sigmoid, the message has no activation.
    - **Identity at initialisation.** Each ordered pair has a learnable
      per-channel scale ``gamma_s->t`` (``scale_init``, 0 by default, as in
      ReZero / LayerScale): the module starts as the identity, so adding it
      to a network (or loading a checkpoint without it) changes nothing
      until training moves ``gamma``; its gradient at ``gamma = 0`` is
      ``sum(dL/dF'_t * gate * message)``, non-zero, so it does move.

    Cost: ``2 T (T-1)`` ``3x3 C -> C`` convolutions at the heads'
    resolution (``docs/bimtdp_crosstalk.md`` has the OPs of the configs).

    Args:
        tasks (Sequence[str]): Task names, in the order of the heads (the
            segmentor fills this in from ``decode_heads``). At least two.
        channels (int): Channels ``C`` of every task's features (the heads'
            ``channels``).
        kernel_size (int): Kernel of the message / gate convolutions.
            Defaults to 3.
        conv_cfg (dict, optional): Their config, e.g.
            ``dict(type='ReActConv')``. Defaults to None (``nn.Conv2d``).
        norm_cfg (dict, optional): Norm after each convolution. Defaults to
            ``dict(type='BN')``.
        bypass (bool): Real-valued bypass (the sender's features) around
            each convolution. Defaults to False.
        scale_init (float): Initial value of every ``gamma``. Defaults to 0
            (the module starts as the identity).
        init_cfg (dict, optional): Initialisation config.

    References:
        - Shang et al., "Efficient Multitask Dense Predictor via
          Binarization", CVPR 2024. https://arxiv.org/abs/2405.14136
          (Bi-MTDP-C: "a binarized cross-talk pathway"; no details public)
        - Xu et al., "PAD-Net: Multi-Tasks Guided Prediction-and-
          Distillation Network for Simultaneous Depth Estimation and Scene
          Parsing", CVPR 2018. https://arxiv.org/abs/1805.04409
        - Vandenhende et al., "MTI-Net: Multi-Scale Task Interaction
          Networks for Multi-Task Learning", ECCV 2020.
          https://arxiv.org/abs/2001.06902
          Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
        - Bachlechner et al., "ReZero is All You Need: Fast Convergence at
          Large Depth", 2020. https://arxiv.org/abs/2003.04887
    """

    def __init__(self,
                 tasks: Sequence[str],
                 channels: int,
                 kernel_size: int = 3,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 bypass: bool = False,
                 scale_init: float = 0.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        tasks = list(tasks)
        if len(tasks) < 2:
            raise ValueError(f'CrossTaskInteraction needs at least two tasks '
                             f'to exchange messages, got {tasks}')
        if len(set(tasks)) != len(tasks):
            raise ValueError(f'CrossTaskInteraction: duplicate task names in '
                             f'{tasks}')
        bad = [t for t in tasks if not isinstance(t, str) or not t
               or '.' in t]
        if bad:
            raise ValueError(f'CrossTaskInteraction: task names must be '
                             f'non-empty strings without ".", got {bad}')
        if not isinstance(channels, int) or channels < 1:
            raise ValueError(f'CrossTaskInteraction: channels must be a '
                             f'positive int, got {channels!r}')
        if kernel_size % 2 != 1:
            raise ValueError(f'CrossTaskInteraction: kernel_size must be odd '
                             f'(the features keep their size), got '
                             f'{kernel_size}')
        self.tasks = tasks
        self.channels = channels
        n_out = 2 * (len(tasks) - 1) * channels
        # one layer per sender: messages to the other tasks, then their
        # gate logits (chunks of C channels, receivers in task order)
        self.senders = nn.ModuleDict({
            s: BypassConvModule(
                channels,
                n_out,
                kernel_size=kernel_size,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=None,
                bypass=bypass)
            for s in tasks
        })
        # gamma of the pair s -> t is scales[t][j], j the index of s among
        # the senders to t (task order without t)
        self.scales = nn.ParameterDict({
            t: nn.Parameter(
                torch.full((len(tasks) - 1, channels), float(scale_init)))
            for t in tasks
        })

    def receivers(self, sender: str) -> list:
        """list[str]: The tasks that ``sender`` sends to, in chunk order."""
        return [t for t in self.tasks if t != sender]

    def senders_of(self, receiver: str) -> list:
        """list[str]: The tasks that send to ``receiver``, in the order of
        ``scales[receiver]``."""
        return [s for s in self.tasks if s != receiver]

    def forward(self, feats: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Add the gated messages of the other tasks to every task.

        Args:
            feats (dict[str, Tensor]): Task to features ``(N, C, H, W)``, one
                entry per task of ``tasks``, all of the same shape.

        Returns:
            dict[str, Tensor]: Task to ``F'_t``, same shapes, in ``tasks``
            order.
        """
        missing = [t for t in self.tasks if t not in feats]
        extra = [t for t in feats if t not in self.tasks]
        if missing or extra:
            raise KeyError(f'CrossTaskInteraction was built for tasks '
                           f'{self.tasks}; got features of {list(feats)} '
                           f'(missing {missing}, unexpected {extra})')
        shape = feats[self.tasks[0]].shape
        for t in self.tasks:
            x = feats[t]
            if x.dim() != 4 or x.shape[1] != self.channels:
                raise ValueError(
                    f'CrossTaskInteraction: features of task {t!r} have '
                    f'shape {tuple(x.shape)}; expected (N, {self.channels}, '
                    'H, W) (set channels to the heads\' channels)')
            if x.shape != shape:
                raise ValueError(
                    f'CrossTaskInteraction: all tasks must have features of '
                    f'one shape; {self.tasks[0]!r} has {tuple(shape)}, '
                    f'{t!r} has {tuple(x.shape)} (give the heads the same '
                    'in_index and channels)')
        n_pairs = len(self.tasks) - 1
        inbox: Dict[str, list] = {t: [] for t in self.tasks}
        for s in self.tasks:
            out = self.senders[s](feats[s])
            chunks = out.split(self.channels, dim=1)
            msgs, gates = chunks[:n_pairs], chunks[n_pairs:]
            for j, t in enumerate(self.receivers(s)):
                inbox[t].append(torch.sigmoid(gates[j]) * msgs[j])
        result = {}
        for t in self.tasks:
            gamma = self.scales[t]
            delta = sum(gamma[j].view(1, -1, 1, 1) * m
                        for j, m in enumerate(inbox[t]))
            result[t] = feats[t] + delta
        return result
