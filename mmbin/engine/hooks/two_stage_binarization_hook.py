# Copyright (c) mmbin contributors. All rights reserved.
"""Two-stage training of a binary network: binary activations with real
weights first, then binary activations and weights."""
from typing import List, Optional, Tuple

import torch.nn as nn
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmbin.ops import BaseWeightBinarizer
from mmbin.utils.checkpoint_loading import bare_model

__all__ = ['TwoStageBinarizationHook']


@HOOKS.register_module()
class TwoStageBinarizationHook(Hook):
    """Keep the weights of every binary layer real until ``switch_iter``.

    Stage 1 (iterations ``0 .. switch_iter - 1``): every layer with a
    ``weight_binarizer`` (``BinaryConv2d`` and its subclasses,
    ``BinaryConvTranspose2d``) convolves with its real-valued latent weight;
    activations stay binary. Stage 2 (from ``switch_iter`` on): both are
    binary, the network that is saved, tested and deployed. The stage is a
    function of ``runner.iter`` alone, so ``--resume`` continues in the
    right one. In stage 1 the hook sets the layers' ``weight_binarizer`` to
    ``None`` (the layers' own switch for real weights) and puts the
    binarizer back in stage 2; weight binarizers that hold parameters or
    buffers are refused, since removing them would change the checkpoint's
    tensors.

    Validation during stage 1 uses binary weights by default
    (``binary_val=True``): a checkpoint is always evaluated as the binary
    network ``tools/test.py`` builds from it, so the validation curve of
    stage 1 shows the binary network, not the real-weight one being
    trained. ``binary_val=False`` validates the stage-1 network as trained.

    The learning-rate schedule and the optimizer state run on across the
    switch (ReActNet trains each stage with a schedule of its own; within
    one run of fixed length, one schedule over both stages keeps the
    comparison with single-stage training at the same budget).

    Args:
        switch_iter (int, optional): First iteration with binary weights,
            ``0 < switch_iter < max_iters``.
        switch_ratio (float, optional): The same as a fraction of
            ``train_cfg.max_iters`` (rounded), so that a tool that changes
            the training length moves the switch with it. Exactly one of
            the two is given.
        binary_val (bool): Validate with binary weights in stage 1.
            Defaults to True.

    References:
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network with
          Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
        - Martinez et al., "Training Binary Neural Networks with
          Real-to-Binary Convolutions", ICLR 2020.
          https://arxiv.org/abs/2003.11535
    """

    # after BinaryHealthHook (NORMAL), which finds the binary layers by
    # their weight binarizers in before_train
    priority = 'LOW'

    def __init__(self,
                 switch_iter: Optional[int] = None,
                 switch_ratio: Optional[float] = None,
                 binary_val: bool = True) -> None:
        if (switch_iter is None) == (switch_ratio is None):
            raise ValueError(
                'TwoStageBinarizationHook: give exactly one of switch_iter '
                f'and switch_ratio, got switch_iter={switch_iter!r}, '
                f'switch_ratio={switch_ratio!r}')
        if switch_ratio is not None and not 0 < switch_ratio < 1:
            raise ValueError('TwoStageBinarizationHook: switch_ratio must be '
                             f'in (0, 1), got {switch_ratio!r}')
        if switch_iter is not None and (not isinstance(switch_iter, int)
                                        or switch_iter <= 0):
            raise ValueError('TwoStageBinarizationHook: switch_iter must be '
                             f'a positive int, got {switch_iter!r}')
        self.switch_iter = switch_iter
        self.switch_ratio = switch_ratio
        self.binary_val = binary_val
        self.switch_at: Optional[int] = None
        self._layers: List[Tuple[nn.Module, nn.Module]] = []
        self._real = False

    # ------------------------------------------------------------------
    @property
    def real_weights(self) -> bool:
        """bool: Whether the binary layers currently use real weights."""
        return self._real

    @staticmethod
    def binary_weight_layers(model: nn.Module
                             ) -> List[Tuple[str, nn.Module]]:
        """Layers whose weight binarizer is set (in stage 1 of a run the
        hook has removed them: call it before ``before_train``).

        Args:
            model (nn.Module): The model (unwrapped).

        Returns:
            list[tuple[str, nn.Module]]: ``(name, layer)`` pairs.
        """
        return [(name, m) for name, m in model.named_modules()
                if isinstance(getattr(m, 'weight_binarizer', None),
                              BaseWeightBinarizer)]

    def _set_real(self, real: bool) -> None:
        for layer, binarizer in self._layers:
            layer.weight_binarizer = None if real else binarizer
        self._real = real

    def stage_at(self, it: int) -> int:
        """Stage (1 or 2) of iteration ``it``.

        Args:
            it (int): 0-based iteration.

        Returns:
            int: 1 before ``switch_at``, 2 from it on.
        """
        return 1 if it < self.switch_at else 2

    # ------------------------------------------------------------------
    def before_train(self, runner) -> None:
        """Resolve the switch iteration and collect the binary layers."""
        max_iters = int(runner.max_iters)
        if self.switch_iter is not None:
            switch = int(self.switch_iter)
        else:
            switch = int(round(self.switch_ratio * max_iters))
        if not 0 < switch < max_iters:
            raise ValueError(
                f'TwoStageBinarizationHook: the switch to binary weights at '
                f'iteration {switch} is not inside the training (max_iters '
                f'{max_iters}): the saved network would never have trained '
                'with the binary weights it is tested with. Choose '
                'switch_iter in (0, max_iters) or switch_ratio in (0, 1).')
        self.switch_at = switch
        model = bare_model(runner.model)
        layers = self.binary_weight_layers(model)
        if not layers:
            raise ValueError(
                'TwoStageBinarizationHook: the model has no layer with a '
                'weight binarizer (BinaryConv2d and its subclasses); remove '
                'the hook or train a binary model.')
        stateful = [
            name for name, m in layers
            if any(True for _ in m.weight_binarizer.parameters()) or any(
                True for _ in m.weight_binarizer.buffers())
        ]
        if stateful:
            raise ValueError(
                'TwoStageBinarizationHook: the weight binarizers of '
                f'{stateful[:5]} hold parameters or buffers; switching them '
                'off would change the checkpoint. Two-stage training '
                'supports stateless weight binarizers (SignWeight, '
                'XNORWeight).')
        self._layers = [(m, m.weight_binarizer) for _, m in layers]
        stage = self.stage_at(runner.iter)
        self._set_real(stage == 1)
        runner.logger.info(
            f'TwoStageBinarizationHook: {len(self._layers)} binary layers; '
            f'real weights until iteration {switch}, binary weights from '
            f'then on (max_iters {max_iters}); starting in stage {stage}.')

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        """Set the stage of this iteration."""
        real = self.stage_at(runner.iter) == 1
        if self._real and not real:
            runner.logger.info(
                f'TwoStageBinarizationHook: iteration {runner.iter}: stage 2,'
                ' weights binary from now on.')
        if real != self._real:
            self._set_real(real)

    def before_val_epoch(self, runner) -> None:
        """Validate the binary network (``binary_val``)."""
        if self.binary_val and self._real:
            self._set_real(False)
            self._restore_real = True
        else:
            self._restore_real = False

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Back to the training stage after validation."""
        if getattr(self, '_restore_real', False):
            self._set_real(True)
            self._restore_real = False

    def after_train(self, runner) -> None:
        """Leave the model binary (what is tested and deployed)."""
        if self._real:
            self._set_real(False)
