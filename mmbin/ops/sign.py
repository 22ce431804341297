# Copyright (c) mmbin contributors. All rights reserved.
"""Two-valued sign and the straight-through composition used by every
binarizer.

``torch.sign`` maps 0 to 0, a silent third value that a bit-packed kernel
cannot represent, so mmbin never uses it bare: :func:`binary_sign` maps
``x >= 0`` (including ``-0.0``) to ``+1`` and ``x < 0`` to ``-1``.

:func:`straight_through` returns a tensor whose *forward value* is exactly
``value`` and whose *gradient* is the gradient of ``surrogate``. It is written
with ``detach`` rather than a custom ``autograd.Function`` so that
``torch.jit.trace`` (and therefore ``mmengine.analysis``) sees ordinary aten
ops. The form ``value.detach() + (surrogate - surrogate.detach())`` keeps the
forward value bit-exact: ``s - s`` is exactly ``0`` for finite ``s`` (all our
surrogates are clamped, hence finite), whereas the common
``s + (value - s).detach()`` form can be off by one rounding step.

References:
    - Bengio et al., "Estimating or Propagating Gradients Through
      Stochastic Neurons for Conditional Computation", 2013.
      https://arxiv.org/abs/1308.3432
"""
from torch import Tensor

__all__ = ['binary_sign', 'straight_through']


def binary_sign(x: Tensor) -> Tensor:
    """Sign with ``sign(0) = +1``; the result has no gradient.

    Args:
        x (Tensor): Input of any shape.

    Returns:
        Tensor: ``+1`` where ``x >= 0``, ``-1`` elsewhere, same dtype as
        ``x``.
    """
    return (x.detach() >= 0).to(x.dtype) * 2 - 1


def straight_through(value: Tensor, surrogate: Tensor) -> Tensor:
    """Forward ``value``, backward through ``surrogate``.

    Args:
        value (Tensor): The exact forward result (its gradient is dropped).
        surrogate (Tensor): Differentiable tensor of the same shape whose
            gradient replaces that of ``value``. Must be finite.

    Returns:
        Tensor: Equal to ``value`` bit for bit, with ``d/dx = d surrogate /
        dx``.
    """
    return value.detach() + (surrogate - surrogate.detach())
