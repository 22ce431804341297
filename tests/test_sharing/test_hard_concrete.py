# Copyright (c) mmbin contributors. All rights reserved.
import math

import pytest
import torch

from mmbin.models.sharing import HardConcreteGate, ParamDelta


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_expected_l0_formula():
    gate = HardConcreteGate((3, ), init_log_alpha=0.0)
    with torch.no_grad():
        gate.log_alpha.copy_(torch.tensor([0.0, 5.0, -2.0]))
    # METHODS.md: sum sigmoid(alpha - log(-l/r)), log(1.5/1.5) = 0
    expect = sigmoid(0.0) + sigmoid(5.0) + sigmoid(-2.0)
    assert gate.expected_l0().item() == pytest.approx(expect, rel=1e-6)
    # Louizos et al. stretch (-0.1, 1.1) and beta = 2/3
    gate = HardConcreteGate((), init_log_alpha=1.0, limits=(-0.1, 1.1),
                            temperature=2 / 3)
    expect = sigmoid(1.0 - 2 / 3 * math.log(0.1 / 1.1))
    assert gate.expected_l0().item() == pytest.approx(expect, rel=1e-6)


@pytest.mark.parametrize('log_alpha,limits,beta', [(0.0, (-1.5, 1.5), 1.0),
                                                   (1.5, (-1.5, 1.5), 1.0),
                                                   (-0.5, (-0.1, 1.1), 2 / 3)])
def test_sampled_gates_match_expected_l0(log_alpha, limits, beta):
    torch.manual_seed(0)
    gate = HardConcreteGate((200000, ), init_log_alpha=log_alpha,
                            limits=limits, temperature=beta)
    gate.train()
    z = gate()
    assert z.min() >= 0 and z.max() <= 1
    frac_nonzero = (z > 0).float().mean().item()
    assert frac_nonzero == pytest.approx(
        gate.prob_nonzero()[0].item(), abs=0.005)
    # exact zeros and ones both occur with the stretched distribution
    assert (z == 0).any() and (z == 1).any()


def test_deterministic_gates_at_eval():
    gate = HardConcreteGate((4, ))
    with torch.no_grad():
        gate.log_alpha.copy_(torch.tensor([5.0, 0.0, 0.5, -3.0]))
    gate.eval()
    z1, z2 = gate(), gate()
    assert torch.equal(z1, z2)
    expect = torch.tensor(
        [1.0, 0.0, sigmoid(0.5) * 3 - 1.5, 0.0])
    torch.testing.assert_close(z1, expect)
    gate.train()
    torch.manual_seed(1)
    a = gate()
    b = gate()
    assert not torch.equal(a, b)  # training draws differ


def test_gate_gradients_and_bad_args():
    gate = HardConcreteGate((8, ), init_log_alpha=0.3)
    gate.train()
    torch.manual_seed(0)
    (gate() * torch.arange(8.)).sum().backward()
    assert gate.log_alpha.grad is not None
    gate.log_alpha.grad = None
    gate.expected_l0().backward()
    assert (gate.log_alpha.grad > 0).all()
    with pytest.raises(ValueError, match='limits'):
        HardConcreteGate((), limits=(0.1, 1.5))
    with pytest.raises(ValueError, match='temperature'):
        HardConcreteGate((), temperature=0)


def test_param_delta_additive_l0_of_the_reference():
    """The reference code adds the per-tensor gate's P(z != 0) to the sum
    over the per-entry gates (per_params_alpha)."""
    pd = ParamDelta((2, 3))
    assert pd.tensor_l0 == 'additive'
    with torch.no_grad():
        pd.gate.log_alpha.copy_(torch.tensor([[5., 5., -5.], [0., 5., 5.]]))
        pd.tensor_gate.log_alpha.fill_(-2.0)
    entries = 4 * sigmoid(5.) + sigmoid(-5.) + sigmoid(0.)
    assert pd.expected_l0().item() == pytest.approx(
        entries + sigmoid(-2.0), rel=1e-6)
    # each gate gets the gradient of its own term only
    pd.expected_l0().backward()
    grad_t = sigmoid(-2.0) * (1 - sigmoid(-2.0))
    assert pd.tensor_gate.log_alpha.grad.item() == pytest.approx(grad_t)
    assert pd.gate.log_alpha.grad[1, 0].item() == pytest.approx(0.25)
    # the forward still multiplies both gates into the delta
    with torch.no_grad():
        pd.delta.fill_(1.0)
    pd.eval()
    assert (pd() == 0).all()  # the closed tensor gate closes every entry
    with pytest.raises(ValueError, match='tensor_l0'):
        ParamDelta((2, ), tensor_l0='sum')


def test_param_delta_structured_l0_and_fix():
    pd = ParamDelta((2, 3), tensor_l0='grouped')
    with torch.no_grad():
        pd.gate.log_alpha.copy_(torch.tensor([[5., 5., -5.], [0., 5., 5.]]))
        pd.tensor_gate.log_alpha.fill_(1.0)
        pd.delta.copy_(torch.tensor([[1., -2., 3.], [4., 0., 0.5]]))
    # E[#nonzero] = P(z_tensor != 0) * sum_i P(z_i != 0)
    expect = sigmoid(1.0) * (4 * sigmoid(5.) + sigmoid(-5.) + sigmoid(0.))
    assert pd.expected_l0().item() == pytest.approx(expect, rel=1e-6)
    pd.eval()
    zt = sigmoid(1.0) * 3 - 1.5
    expect_delta = torch.tensor([[1., -2., 0.], [0., 0., 0.5]]) * zt
    torch.testing.assert_close(pd(), expect_delta)
    assert pd.nonzero_count() == 3
    pd.fix_()
    assert pd.fixed and pd.mask.sum() == 3
    assert not pd.gate.log_alpha.requires_grad
    assert pd.expected_l0().item() == 3
    pd.train()
    torch.testing.assert_close(pd(), expect_delta)  # no sampling once fixed
    with torch.no_grad():
        pd.delta.fill_(7.0)  # fine-tuning changes only the kept entries
    assert (pd() != 0).sum() == 3


def test_param_delta_fix_with_magnitude_budget():
    pd = ParamDelta((4, ), per_tensor=False, init_log_alpha=10.0)
    with torch.no_grad():
        pd.delta.copy_(torch.tensor([0.1, -0.4, 0.3, 0.05]))
    pd.fix_(min_abs=0.2)
    assert pd.mask.tolist() == [False, True, True, False]
    ungated = ParamDelta((2, ), per_element=False, per_tensor=False)
    assert not ungated.gated
    assert ungated.expected_l0().item() == 2
