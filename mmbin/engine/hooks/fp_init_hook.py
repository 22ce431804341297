# Copyright (c) mmbin contributors. All rights reserved.
"""Start a binary student from the weights of its full-precision teacher
(the BNN training recipe) before training."""
import re
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmseg.registry import HOOKS

from mmbin.models.init import (DEFAULT_MODULES, load_fp_weights,
                               resolve_checkpoint)
from mmbin.utils.checkpoint_loading import bare_model

from .bimtdp_distill_hook import BiMTDPDistillHook

__all__ = ['FPInitHook']


@HOOKS.register_module()
class FPInitHook(Hook):
    """Initialise the student from a full-precision checkpoint of its
    layout before the first iteration.

    The latent weights of the binary convolutions, the BNs, the stem, the
    shortcuts, the decoder and the heads are copied from the checkpoint
    (:func:`mmbin.models.init.load_fp_weights`); binarizer and RPReLU /
    PReLU parameters, which an FP network does not have, keep their
    initialisation, and so does every tensor whose name matches a
    ``keep_init`` pattern. A checkpoint of another layout stops training
    with the mismatching tensors named. The log lists what was loaded,
    kept and left new.

    Timing follows MMEngine's ``load_from`` semantics: the hook acts in
    ``before_train``, after the runner has initialised the weights
    (``init_cfg``, ``pretrained``) and after ``load_or_resume``. When the
    runner has loaded a checkpoint itself (``--resume``, ``load_from``),
    that checkpoint wins and the hook does nothing, so a resumed run
    continues from its own weights. In a training run ``before_run``
    checks that the checkpoint exists, before any weight is initialised.

    Args:
        checkpoint (str, optional): FP checkpoint (``.pth``) or work
            directory (its latest checkpoint). ``None`` takes the
            ``teacher_checkpoint`` of the run's ``BiMTDPDistillHook``, so
            the distillation teacher and the initialisation stay one file
            when a tool points the teacher elsewhere. Defaults to None.
        keep_init (Sequence[str]): Regular expressions of tensor names left
            at their initialisation: deliberate differences between student
            and checkpoint (an IB neck the teacher lacks, another stem).
            Defaults to none.
        modules (Sequence[str]): Top-level submodules to initialise.
            Defaults to ``('backbone', 'neck', 'decoder', 'decode_heads')``.

    References:
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network with
          Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
        - Martinez et al., "Training Binary Neural Networks with
          Real-to-Binary Convolutions", ICLR 2020.
          https://arxiv.org/abs/2003.11535
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 checkpoint: Optional[str] = None,
                 keep_init: Sequence[str] = (),
                 modules: Sequence[str] = DEFAULT_MODULES) -> None:
        if isinstance(keep_init, str):
            keep_init = [keep_init]
        self.checkpoint = checkpoint
        self.keep_init = list(keep_init)
        self.modules = tuple(modules)
        self.report = None

    def _index(self, runner) -> str:
        for i, cfg in enumerate(runner.cfg.get('custom_hooks', []) or []):
            if cfg.get('type') in ('FPInitHook', 'mmseg.FPInitHook'):
                return str(i)
        return 'N'

    def _checkpoint(self, runner) -> str:
        """The configured checkpoint, or the distillation teacher's."""
        if self.checkpoint is not None:
            return str(self.checkpoint)
        for hook in runner.hooks:
            if isinstance(hook, BiMTDPDistillHook):
                return str(hook.teacher_checkpoint)
        raise ValueError(
            'FPInitHook: checkpoint is None, which means "the '
            'BiMTDPDistillHook\'s teacher_checkpoint", but the run has no '
            f'BiMTDPDistillHook. Set custom_hooks.{self._index(runner)}'
            '.checkpoint to the full-precision checkpoint (.pth or work '
            'directory).')

    @staticmethod
    def _runner_loads(runner) -> bool:
        """Whether the runner is configured to load or resume a checkpoint
        itself."""
        return bool(getattr(runner, '_resume', False)) or \
            getattr(runner, '_load_from', None) is not None

    def before_run(self, runner) -> None:
        """Fail fast: in a training run that starts fresh, check that the
        checkpoint exists."""
        if not isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            return
        if self._runner_loads(runner):
            return
        try:
            resolve_checkpoint(self._checkpoint(runner))
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f'FPInitHook: {err} (custom_hooks.{self._index(runner)}'
                '.checkpoint)') from None

    def before_train(self, runner) -> None:
        """Load the FP weights unless the runner loaded a checkpoint."""
        if getattr(runner, '_has_loaded', False):
            runner.logger.info(
                'FPInitHook: the runner loaded a checkpoint (--resume or '
                'load_from); the FP initialisation is skipped.')
            return
        ckpt = self._checkpoint(runner)
        self.report = load_fp_weights(
            bare_model(runner.model), ckpt, keep_init=self.keep_init,
            modules=self.modules)
        for pattern in self.keep_init:
            if not any(re.search(pattern, k)
                       for k in self.report.kept + self.report.ignored):
                runner.logger.info(
                    f'FPInitHook: keep_init pattern {pattern!r} matches no '
                    'tensor of the student or the checkpoint.')
        runner.logger.info(
            f'FPInitHook: student initialised from {self.report.checkpoint}'
            f': {self.report.describe()}')
