# Copyright (c) mmbin contributors. All rights reserved.
"""RPReLU and LearnableBias against their formulas."""
import pytest
import torch

from mmbin.ops import LearnableBias, RPReLU


def test_rprelu_formula_and_gradients():
    act = RPReLU(2)
    with torch.no_grad():
        act.gamma.copy_(torch.tensor([0.5, -1.0]))
        act.beta.copy_(torch.tensor([0.2, 0.1]))
        act.zeta.copy_(torch.tensor([0.1, 2.0]))
    x = torch.tensor([[[[1.0, 0.5, 0.0]], [[-2.0, -1.0, 0.0]]]],
                     requires_grad=True)
    out = act(x)
    expected = torch.tensor([[[[0.6, 0.1, 0.0]], [[1.9, 2.0, 3.0]]]])
    # x > g: x - g + z; else beta * (x - g) + z
    assert torch.allclose(out, expected, atol=1e-6)
    out.sum().backward()
    assert torch.allclose(x.grad, torch.tensor([[[[1., 0.2, 0.2]],
                                                 [[0.1, 0.1, 1.]]]]))
    assert torch.allclose(act.zeta.grad, torch.tensor([3., 3.]))
    assert torch.allclose(act.gamma.grad, -x.grad.sum(dim=(0, 2, 3)))
    assert torch.allclose(act.beta.grad, torch.tensor([-0.5, -1.0]))


def test_rprelu_defaults_shared_and_errors():
    act = RPReLU(inplace=True)  # mmcv ConvModule passes inplace
    assert act.num_parameters == 1 and act.beta.item() == 0.25
    x = torch.randn(2, 7, 3, 3)
    assert torch.allclose(act(x), torch.where(x > 0, x, 0.25 * x))
    with pytest.raises(ValueError, match='RPReLU was built for 3 channels'):
        RPReLU(3)(x)


def test_learnable_bias():
    lb = LearnableBias(3)
    with torch.no_grad():
        lb.bias.copy_(torch.tensor([1., -2., 0.5]))
    x = torch.zeros(2, 3, 2, 2, requires_grad=True)
    out = lb(x)
    assert out[1, :, 1, 1].tolist() == [1., -2., 0.5]
    out.sum().backward()
    assert lb.bias.grad.tolist() == [8., 8., 8.]
