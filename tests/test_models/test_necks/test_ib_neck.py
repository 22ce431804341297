# Copyright (c) mmbin contributors. All rights reserved.
"""IBNeck: sampling in training, means in eval, the VIB reduction of the KL
against a hand computation, gradients and log entries of every level, the
soft bound of the log-variance, and a short training in which the term
acts."""
import math

import pytest
import torch
from _helpers.multitask import make_nyud_samples, tiny_multitask_cfg
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch.distributions import Normal, kl_divergence

from mmbin.models.necks import IBNeck
from mmbin.models.necks.ib_neck import soft_clamp
from mmbin.ops import BinaryConv2d


def _feats():
    torch.manual_seed(0)
    return [torch.randn(2, 4, 8, 8), torch.randn(2, 8, 4, 4)]


def test_ib_neck_identity_at_init_and_levels():
    neck = IBNeck(in_channels=[4, 8], levels=(1, ), beta=1e-3)
    neck.init_weights()
    neck.eval()
    feats = _feats()
    outs = neck(feats)
    assert outs[0] is feats[0]  # untouched level
    assert torch.allclose(outs[1], feats[1], atol=1e-6)  # mu = f at init
    assert list(neck.branches) == ['1']
    # default: every input level, each with its own branch
    assert list(IBNeck(in_channels=[4, 8]).branches) == ['0', '1']
    with pytest.raises(ValueError, match='out of range'):
        IBNeck(in_channels=[4, 8], levels=(2, ))
    with pytest.raises(ValueError, match='empty'):
        IBNeck(in_channels=[4, 8], levels=())
    with pytest.raises(ValueError, match='inside logvar_range'):
        IBNeck(in_channels=[4, 8], logvar_init=-12.)


def test_ib_neck_samples_in_training_only():
    neck = IBNeck(in_channels=[4, 8], levels=(0, 1), logvar_init=0.)
    neck.init_weights()
    feats = _feats()
    neck.train()
    a, b = neck(feats), neck(feats)
    assert not torch.allclose(a[1], b[1])
    # noise of standard deviation about exp(0 / 2) = 1 around mu = f
    assert (a[1] - feats[1]).std().item() == pytest.approx(1., rel=0.2)
    neck.eval()
    assert torch.equal(neck(feats)[1], neck(feats)[1])


def _constant_neck(beta, mu_value, logvar_init):
    """Branches that output ``mu = mu_value`` and ``logvar = soft_clamp(
    logvar_init)`` everywhere (zero conv weights, no norm, no residual)."""
    neck = IBNeck(in_channels=[4, 8], beta=beta, norm_cfg=None,
                  residual=False, logvar_init=logvar_init)
    for branch in neck.branches.values():
        for conv, bias in ((branch.conv_mu, mu_value),
                           (branch.conv_logvar, 0.)):
            torch.nn.init.zeros_(conv.weight)
            torch.nn.init.constant_(conv.bias, bias)
    return neck


def test_ib_kl_reduction_by_hand():
    beta, m, lv0 = 0.1, 0.5, -2.
    neck = _constant_neck(beta, m, lv0).train()
    _, losses = neck(_feats(), return_losses=True)
    # soft_clamp(-2, -10, 4) by hand
    top = 4. + math.log(1. - math.exp(-14.))
    lv = -10. + math.log1p(math.exp(top - math.log1p(math.exp(top - lv0))
                                    + 10.))
    per_dim = 0.5 * (m**2 + math.exp(lv) - lv - 1.)
    # per sample: sum over channels and positions; divided by the positions
    # of the finest level (8 * 8 = 64); the batch of 2 averages out
    kl0 = 4 * 8 * 8 * per_dim / 64  # level 0: 4 channels, 8x8
    kl1 = 8 * 4 * 4 * per_dim / 64  # level 1: 8 channels, 4x4
    assert losses['ib.kl_0'].item() == pytest.approx(kl0, rel=1e-5)
    assert losses['ib.kl_1'].item() == pytest.approx(kl1, rel=1e-5)
    assert losses['loss_ib'].item() == pytest.approx(
        beta * (kl0 + kl1), rel=1e-5)
    for key in ('ib.sigma_0', 'ib.sigma_1'):
        assert losses[key].item() == pytest.approx(math.exp(lv / 2),
                                                   rel=1e-5)
    # the KL of a sample does not depend on the batch size
    _, one = neck([f[:1] for f in _feats()], return_losses=True)
    assert one['loss_ib'].item() == pytest.approx(
        losses['loss_ib'].item(), rel=1e-5)


def test_ib_loss_equals_beta_times_closed_form_kl():
    beta = 0.01
    neck = IBNeck(in_channels=[4, 8], levels=(0, 1), beta=beta)
    neck.init_weights()
    neck.train()
    # give the branches non-trivial parameters
    torch.manual_seed(2)
    for p in neck.parameters():
        torch.nn.init.normal_(p, std=0.2)
    feats = _feats()
    _, losses = neck(feats, return_losses=True)
    expect = 0.
    for lv in (0, 1):
        branch = neck.branches[str(lv)]
        mu, logvar = branch(feats[lv])
        ref = kl_divergence(
            Normal(mu, torch.exp(0.5 * logvar)), Normal(0., 1.))
        assert losses[f'ib.kl_{lv}'].item() == pytest.approx(
            ref.sum().item() / 2 / 64, rel=1e-4)
        expect += ref.sum() / 2 / 64
    assert losses['loss_ib'].item() == pytest.approx(
        beta * expect.item(), rel=1e-4)


def test_ib_gradients_reach_every_level_and_logs_are_detached():
    neck = IBNeck(in_channels=[4, 8], beta=0.1)
    neck.init_weights()  # last BN of both branches at zero
    neck.train()
    feats = [f.requires_grad_() for f in _feats()]
    outs, losses = neck(feats, return_losses=True)
    assert set(losses) == {'loss_ib', 'ib.kl_0', 'ib.kl_1', 'ib.sigma_0',
                           'ib.sigma_1'}
    for key, value in losses.items():
        assert value.requires_grad == (key == 'loss_ib'), key
    (losses['loss_ib'] + sum(o.pow(2).mean() for o in outs)).backward()
    for lv in ('0', '1'):
        branch = neck.branches[lv]
        for norm in (branch.norm_mu, branch.norm_logvar):
            assert norm.weight.grad.abs().sum() > 0, lv
            assert norm.bias.grad.abs().sum() > 0, lv
    # the residual mu passes the KL's pull on to the backbone features
    assert all(f.grad.abs().sum() > 0 for f in feats)
    # away from the zero initialisation the convolutions get gradients too
    for p in neck.parameters():
        torch.nn.init.normal_(p, std=0.2)
    neck.zero_grad()
    _, losses = neck(_feats(), return_losses=True)
    losses['loss_ib'].backward()
    for branch in neck.branches.values():
        assert branch.conv_mu.weight.grad.abs().sum() > 0
        assert branch.conv_logvar.weight.grad.abs().sum() > 0


def test_kl_pulls_a_log_variance_back_from_beyond_its_bound():
    # raw log-variance -4 - 20 = -24, far under the bound -10: a hard clamp
    # would cut the gradient there and leave sigma where the task put it
    neck = IBNeck(in_channels=[4, 8], beta=1.)
    neck.init_weights()
    neck.train()
    for branch in neck.branches.values():
        torch.nn.init.constant_(branch.norm_logvar.bias, -20.)
    _, losses = neck(_feats(), return_losses=True)
    assert losses['ib.sigma_0'].item() == pytest.approx(
        math.exp(-5.), rel=1e-3)  # at the bound
    losses['loss_ib'].backward()
    for branch in neck.branches.values():
        # gradient descent raises the log-variance towards the KL's optimum
        assert (branch.norm_logvar.bias.grad < 0).all()


def test_soft_clamp_bounds_with_a_gradient_everywhere():
    x = torch.linspace(-40., 30., 141, requires_grad=True)
    y = soft_clamp(x, -10., 4.)
    assert y.min() >= -10. and y.max() <= 4.
    z = soft_clamp(torch.tensor([-12., 9.]), -3., 1.)
    assert z[0] > -3. and z[1] < 1.
    y.sum().backward()
    assert (x.grad > 0).all()  # never stuck, unlike clamp
    inner = (x > -7) & (x < 1)
    assert torch.allclose(y[inner], x[inner], atol=0.06)


def test_ib_neck_binary_convs_and_logvar_bounds():
    neck = IBNeck(in_channels=[4, 8], levels=(1, ),
                  conv_cfg=dict(type='XNORConv'), logvar_range=(-3., 1.),
                  logvar_init=-1.)
    neck.init_weights()
    assert isinstance(neck.branches['1'].conv_mu, BinaryConv2d)
    for p in neck.parameters():
        torch.nn.init.normal_(p, std=5.)
    mu, logvar = neck.branches['1'](_feats()[1] * 100)
    assert logvar.min() >= -3. and logvar.max() <= 1.
    outs, losses = neck.train()(_feats(), return_losses=True)
    assert torch.isfinite(losses['loss_ib'])


def test_ib_neck_inference_skips_the_logvar_branch():
    neck = IBNeck(in_channels=[4, 8], levels=(1, ))
    torch.manual_seed(1)
    for p in neck.parameters():  # leave the identity initialisation
        torch.nn.init.normal_(p)
    neck.eval()
    calls = []
    neck.branches['1'].conv_logvar.register_forward_hook(
        lambda *args: calls.append(1))
    feats = _feats()
    out = neck(feats)[1]
    assert calls == []
    mu, _ = neck.branches['1'](feats[1])
    assert torch.allclose(out, mu)
    # asking for the loss still runs it (the KL needs the variance)
    calls.clear()
    _, losses = neck(feats, return_losses=True)
    assert calls == [1] and losses['loss_ib'] > 0


def _train_tiny(beta, iters=25):
    """Train a tiny binary multi-task model with the IB on all four levels;
    return the last unweighted KL per level and the neck's log-variances on
    the training batch."""
    init_default_scope('mmseg')
    torch.manual_seed(0)
    cfg = tiny_multitask_cfg(binary=True, ib=True)
    cfg['neck'].update(levels=(0, 1, 2, 3), beta=beta)
    model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    x = torch.randn(4, 3, 32, 32)
    samples = make_nyud_samples(4, 32, 32)
    for _ in range(iters):
        losses = model.loss(x, samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        optim.zero_grad()
        total.backward()
        optim.step()
    kl = torch.stack([losses[f'ib.kl_{lv}'] for lv in range(4)])
    with torch.no_grad():
        feats = model.backbone(x)
        logvar = torch.cat([
            model.neck.branches[str(lv)](feats[lv])[1].flatten()
            for lv in range(4)
        ])
    return kl, logvar


def test_ib_term_acts_in_a_short_training():
    kl_free, logvar_free = _train_tiny(beta=0.)
    kl_ib, logvar_ib = _train_tiny(beta=0.05)
    # the bottleneck lowers the KL on every level, clearly
    assert (kl_ib < 0.8 * kl_free).all(), (kl_ib, kl_free)
    # it does so through sigma too: the variance grows where the task alone
    # leaves it small ...
    assert logvar_ib.mean() > logvar_free.mean() + 0.1
    # ... and neither run ends at a bound of the log-variance (-10, 4)
    for logvar in (logvar_free, logvar_ib):
        assert logvar.min() > -9. and logvar.max() < 3.
