# Copyright (c) mmbin contributors. All rights reserved.
"""Forward values and gradients of the activation and weight binarizers,
checked against the formulas of METHODS.md section 1 on crafted inputs
(0, -0.0 and the +-1 kinks included)."""
import pytest
import torch

from mmbin.ops import (DAB, ApproxSign, RSign, SignSTE, SignWeight,
                       XNORWeight, binary_sign)

# 0, -0.0, the kinks +-1 and points inside/outside [-1, 1]
X = torch.tensor([-2.0, -1.0, -0.75, -0.5, -0.0, 0.0, 0.25, 0.5, 1.0, 3.0])
SIGN_X = torch.tensor([-1., -1., -1., -1., 1., 1., 1., 1., 1., 1.])
UPSTREAM = torch.arange(1, 11, dtype=torch.float32)  # distinct per element


def _grad(module, x, upstream):
    x = x.clone().requires_grad_(True)
    out = module(x)
    (out * upstream).sum().backward()
    return out.detach(), x.grad


def test_binary_sign_maps_zero_to_plus_one():
    assert torch.equal(binary_sign(X), SIGN_X)
    assert not torch.equal(torch.sign(X), SIGN_X)  # what we avoid


def test_sign_ste_forward_and_clipped_gradient():
    out, grad = _grad(SignSTE(), X, UPSTREAM)
    assert torch.equal(out, SIGN_X)
    # d/dx = 1[|x| <= 1], kinks included
    mask = torch.tensor([0., 1., 1., 1., 1., 1., 1., 1., 1., 0.])
    assert torch.equal(grad, mask * UPSTREAM)


def test_approx_sign_forward_and_polynomial_gradient():
    out, grad = _grad(ApproxSign(), X, UPSTREAM)
    assert torch.equal(out, SIGN_X)
    # d/dx = 2 - 2|x| on |x| <= 1: 0 at the kinks, 2 at 0
    expected = torch.tensor([0., 0., 0.5, 1., 2., 2., 1.5, 1., 0., 0.])
    assert torch.allclose(grad, expected * UPSTREAM, atol=0, rtol=1e-6)


@pytest.mark.parametrize('binarizer', [SignSTE(), ApproxSign(), RSign(4)])
def test_forward_takes_exactly_two_values(binarizer):
    x = torch.randn(2, 4, 5, 5)
    x[0, :, 0, 0] = 0.0
    x[1, :, 0, 0] = -0.0
    x[0, :, 1, 1] = 1e-12  # tiny values must not leak through
    out = binarizer(x)
    assert set(out.unique().tolist()) == {-1.0, 1.0}


def test_rsign_threshold_forward_and_gradients():
    rsign = RSign(2)
    with torch.no_grad():
        rsign.threshold.copy_(torch.tensor([0.5, -0.5]))
    x = torch.tensor([[[[0.5, 0.0, 1.5, -0.6]], [[-0.5, -0.7, 0.0, 0.5]]]])
    up = torch.tensor([[[[1., 2., 3., 4.]], [[5., 6., 7., 8.]]]])
    x.requires_grad_(True)
    out = rsign(x)
    (out * up).sum().backward()
    s = (x - torch.tensor([0.5, -0.5]).view(1, 2, 1, 1)).detach()
    # x equal to its threshold gives +1
    assert torch.equal(out.detach(), binary_sign(s))
    assert out[0, 0, 0, 0] == 1 and out[0, 1, 0, 0] == 1
    d = torch.where(s.abs() <= 1, 2 - 2 * s.abs(), torch.zeros_like(s))
    assert torch.allclose(x.grad, d * up)
    assert torch.allclose(rsign.threshold.grad, -(d * up).sum(dim=(0, 2, 3)))
    assert rsign.threshold.grad.abs().sum() > 0


def test_rsign_init_and_errors():
    assert torch.equal(RSign(3).threshold, torch.zeros(3))
    with pytest.raises(ValueError, match='built for 3 channels'):
        RSign(3)(torch.zeros(1, 4, 2, 2))
    with pytest.raises(ValueError, match='rank >= 2'):
        RSign(3)(torch.zeros(3))
    with pytest.raises(ValueError, match='channels'):
        RSign(0)


def _dab_reference(x, k, b, a):
    mean = x.mean(dim=(2, 3), keepdim=True)
    s = x - (k.view(1, -1, 1, 1) * mean + b.view(1, -1, 1, 1))
    m = s.abs().mean(dim=(2, 3), keepdim=True)
    alpha = torch.exp(a.view(1, -1, 1, 1) * (m - 1))
    return s, mean, m, alpha


def test_dab_forward_and_gradients_against_formula():
    torch.manual_seed(0)
    dab = DAB(3)
    k = torch.tensor([0.5, -1.0, 0.0])
    b = torch.tensor([0.1, 0.0, -0.2])
    a = torch.tensor([0.3, -0.7, 1.0])
    with torch.no_grad():
        dab.k.copy_(k)
        dab.b.copy_(b)
        dab.a.copy_(a)
    x = torch.randn(2, 3, 4, 5)
    x[1, 2, 1, 1] = -0.2  # channel 2 has k=0, b=-0.2: s = 0 exactly -> +1
    up = torch.randn(2, 3, 4, 5)
    xg = x.clone().requires_grad_(True)
    out = dab(xg)
    (out * up).sum().backward()

    s, mean, m, alpha = _dab_reference(x, k, b, a)
    assert s[1, 2, 1, 1] == 0
    expected = alpha * binary_sign(s)
    assert torch.allclose(out.detach(), expected, rtol=1e-6, atol=0)
    # exactly the two values +-alpha per sample and channel
    for n in range(2):
        for c in range(3):
            vals = out[n, c].detach().unique()
            assert len(vals) == 2
            assert torch.equal(vals.abs(), vals.abs()[:1].expand(2))
    d = torch.where(s.abs() <= 1, 2 - 2 * s.abs(), torch.zeros_like(s))
    # statistics are detached: no gradient through mean_hw(x) or mean|s|
    assert torch.allclose(xg.grad, up * alpha * d, rtol=1e-5, atol=1e-7)
    assert torch.allclose(
        dab.b.grad, -(up * alpha * d).sum(dim=(0, 2, 3)), rtol=1e-5)
    assert torch.allclose(
        dab.k.grad, -(up * alpha * d * mean).sum(dim=(0, 2, 3)), rtol=1e-5)
    assert torch.allclose(
        dab.a.grad, (up * binary_sign(s) * alpha * (m - 1)).sum(dim=(0, 2, 3)),
        rtol=1e-5)
    for p in (dab.k, dab.b, dab.a):
        assert p.grad.abs().sum() > 0


def test_dab_init_alpha_near_one_and_errors():
    torch.manual_seed(0)
    dab = DAB(64)
    assert torch.equal(dab.b, torch.zeros(64))
    assert 1e-4 < dab.k.std() < 1e-2 and 1e-4 < dab.a.std() < 1e-2
    _, alpha = dab.binarize(torch.randn(2, 64, 6, 6))
    assert torch.allclose(alpha, torch.ones_like(alpha), atol=0.05)
    with pytest.raises(ValueError, match=r'DAB expects an input of rank >= 3'):
        dab(torch.zeros(2, 64))
    with pytest.raises(ValueError, match='built for 64 channels'):
        dab(torch.zeros(2, 3, 4, 4))


W = torch.tensor([[[[-1.5, -1.0]], [[-0.0, 0.0]]], [[[0.3, 1.0]],
                                                    [[2.0, -0.2]]]])
W_SIGN = torch.tensor([[[[-1., -1.]], [[1., 1.]]], [[[1., 1.]], [[1., -1.]]]])
W_MASK = torch.tensor([[[[0., 1.]], [[1., 1.]]], [[[1., 1.]], [[0., 1.]]]])


def test_sign_weight_forward_and_gradient():
    up = torch.arange(1., 9.).view_as(W)
    out, grad = _grad(SignWeight(), W, up)
    assert torch.equal(out, W_SIGN)
    assert torch.equal(grad, W_MASK * up)


def test_xnor_weight_scale_forward_and_gradient():
    up = torch.arange(1., 9.).view_as(W)
    out, grad = _grad(XNORWeight(), W, up)
    alpha = torch.tensor([2.5 / 4, 3.5 / 4]).view(2, 1, 1, 1)
    assert torch.allclose(out, alpha * W_SIGN, rtol=0, atol=1e-7)
    for o in range(2):
        assert set(out[o].abs().unique().tolist()) == {alpha[o].item()}
    # clipped STE, alpha detached and not applied to the gradient
    assert torch.equal(grad, W_MASK * up)


def test_weight_binarizer_rank_error():
    with pytest.raises(ValueError, match='XNORWeight expects a weight'):
        XNORWeight()(torch.zeros(4))
