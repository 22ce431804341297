# Copyright (c) mmbin contributors. All rights reserved.
"""IBNeck: sampling in training, means in eval, loss_ib against the closed
form, identity at initialisation, binarizable convs."""
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from mmbin.models.necks import IBNeck
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
    with pytest.raises(ValueError, match='out of range'):
        IBNeck(in_channels=[4, 8], levels=(2, ))


def test_ib_neck_samples_in_training_only():
    neck = IBNeck(in_channels=[4, 8], levels=(0, 1), logvar_init=0.)
    neck.init_weights()
    feats = _feats()
    neck.train()
    a, b = neck(feats), neck(feats)
    assert not torch.allclose(a[1], b[1])
    # noise of standard deviation exp(0 / 2) = 1 around mu = f
    assert (a[1] - feats[1]).std().item() == pytest.approx(1., rel=0.2)
    neck.eval()
    assert torch.equal(neck(feats)[1], neck(feats)[1])


def test_ib_loss_equals_beta_times_closed_form_kl():
    beta = 0.01
    neck = IBNeck(in_channels=[4, 8], levels=(0, 1), beta=beta)
    neck.init_weights()
    neck.train()
    # give the branches non-trivial parameters
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
        expect += ref.mean()
    assert losses['loss_ib'].item() == pytest.approx(
        beta * expect.item(), rel=1e-4)
    losses['loss_ib'].backward()
    assert neck.branches['1'].conv_logvar.weight.grad.abs().sum() > 0


def test_ib_neck_binary_convs_and_logvar_clamp():
    neck = IBNeck(in_channels=[4, 8], levels=(1, ),
                  conv_cfg=dict(type='XNORConv'), logvar_range=(-3., 1.))
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
