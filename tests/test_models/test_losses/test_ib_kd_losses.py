# Copyright (c) mmbin contributors. All rights reserved.
"""Information-bottleneck KL and distillation losses."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

from mmbin.models.losses import (ChannelWiseDistillLoss, FeatureDistillLoss,
                                 GaussianKLLoss, MultiTaskDistillLoss,
                                 PixelKLDistillLoss, RegressionDistillLoss,
                                 SoftBCEDistillLoss,
                                 gaussian_kl_to_standard_normal)


def test_gaussian_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu = torch.randn(2, 3, 4, 5)
    logvar = torch.randn(2, 3, 4, 5)
    ref = kl_divergence(
        Normal(mu, torch.exp(0.5 * logvar)), Normal(0., 1.))
    assert torch.allclose(
        gaussian_kl_to_standard_normal(mu, logvar, 'none'), ref, atol=1e-5)
    assert gaussian_kl_to_standard_normal(mu, logvar).item() == \
        pytest.approx(ref.mean().item(), rel=1e-5)
    assert gaussian_kl_to_standard_normal(mu, logvar, 'batchmean').item() \
        == pytest.approx(ref.sum().item() / 2, rel=1e-5)
    # VIB's reduction by default: per-sample sum, batch mean
    assert GaussianKLLoss(loss_weight=0.5)(mu, logvar).item() == \
        pytest.approx(0.5 * ref.sum().item() / 2, rel=1e-5)
    assert GaussianKLLoss(reduction='mean')(mu, logvar).item() == \
        pytest.approx(ref.mean().item(), rel=1e-5)
    # the standard normal itself costs nothing
    zero = gaussian_kl_to_standard_normal(
        torch.zeros(3), torch.zeros(3), 'sum')
    assert zero.item() == 0


def test_cwd_closed_form_and_zero_at_match():
    torch.manual_seed(0)
    s = torch.randn(2, 3, 4, 4, requires_grad=True)
    t = torch.randn(2, 3, 4, 4)
    loss = ChannelWiseDistillLoss(tau=2.0)(s, t)
    p_t = F.softmax(t.reshape(6, -1) / 2, dim=1)
    log_p_s = F.log_softmax(s.detach().reshape(6, -1) / 2, dim=1)
    expect = 4 * (p_t * (p_t.log() - log_p_s)).sum() / 6
    assert loss.item() == pytest.approx(expect.item(), rel=1e-5)
    loss.backward()
    assert s.grad.abs().sum() > 0
    assert ChannelWiseDistillLoss()(t, t).item() == pytest.approx(
        0, abs=1e-6)


def test_pixel_kl_regression_and_soft_bce():
    torch.manual_seed(0)
    t = torch.randn(2, 4, 3, 3)
    assert PixelKLDistillLoss()(t, t).item() == pytest.approx(0, abs=1e-6)
    assert PixelKLDistillLoss()(torch.randn(2, 4, 3, 3), t).item() > 0
    reg = RegressionDistillLoss()
    assert reg(t + 1, t).item() == pytest.approx(4.0)  # 4 channels x 1
    norm = RegressionDistillLoss(normalize=True)
    assert norm(3 * t, t).item() == pytest.approx(0, abs=1e-5)
    e = torch.randn(2, 1, 5, 5)
    bce = SoftBCEDistillLoss()
    assert bce(e, e).item() == pytest.approx(0, abs=1e-6)
    assert bce(-e, e).item() > 0
    assert SoftBCEDistillLoss(pos_weight=0.9)(-e, e).item() > 0


def test_feature_distill_layer_norm_is_scale_invariant():
    torch.manual_seed(0)
    t = torch.randn(2, 8, 4, 4)
    assert FeatureDistillLoss()(5 * t + 2, t).item() == pytest.approx(
        0, abs=1e-4)
    assert FeatureDistillLoss(norm='none')(5 * t, t).item() > 1
    with pytest.raises(ValueError, match='connector'):
        FeatureDistillLoss()(torch.rand(1, 4, 2, 2), torch.rand(1, 8, 2, 2))


def _feats(c_neck, c_dec, n=2):
    return dict(
        backbone=(torch.randn(n, c_neck, 4, 4), ),
        neck=(torch.randn(n, c_neck, 4, 4), ),
        decoder=(torch.randn(n, c_dec, 8, 8), ),
        preds=dict(
            seg=torch.randn(n, 5, 8, 8), depth=torch.rand(n, 1, 8, 8)))


def test_multitask_distill_loss_terms_and_connectors():
    kd = MultiTaskDistillLoss(
        features=[
            dict(name='neck', source='neck', index=0, student_channels=6,
                 teacher_channels=12, loss=dict(type='FeatureDistillLoss',
                                                loss_weight=2.)),
            dict(name='dec', source='decoder', index=0),
        ],
        predictions=dict(
            seg=dict(type='ChannelWiseDistillLoss', tau=1.0),
            depth=dict(type='RegressionDistillLoss')))
    assert isinstance(kd.connectors['neck'], nn.Conv2d)
    assert isinstance(kd.connectors['dec'], nn.Identity)
    assert kd.loss_names == [
        'loss_kd_neck', 'loss_kd_dec', 'loss_kd_seg', 'loss_kd_depth'
    ]
    student, teacher = _feats(6, 16), _feats(12, 16)
    # teacher at half the decoder resolution: resized to the student's
    teacher['decoder'] = (torch.randn(2, 16, 4, 4), )
    losses = kd(student, teacher, scale=0.5)
    assert set(losses) == set(kd.loss_names)
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    full = kd(student, teacher, scale=1.0)
    for k in losses:
        assert losses[k].item() == pytest.approx(0.5 * full[k].item())
    # without a teacher: zeros that still reach the connector parameters
    zeros = kd(student, None)
    assert all(v.item() == 0 for v in zeros.values())
    sum(zeros.values()).backward()
    assert kd.connectors['neck'].weight.grad is not None


def test_multitask_distill_loss_errors():
    with pytest.raises(KeyError, match='index'):
        MultiTaskDistillLoss(features=[dict(name='x', source='neck')])
    with pytest.raises(ValueError, match='source'):
        MultiTaskDistillLoss(
            features=[dict(name='x', source='head', index=0)])
    kd = MultiTaskDistillLoss(
        features=[dict(name='n', source='neck', index=0)],
        predictions=dict(edge=dict(type='SoftBCEDistillLoss')))
    with pytest.raises(ValueError, match='channels'):
        kd(_feats(6, 16), _feats(12, 16))
    kd = MultiTaskDistillLoss(
        predictions=dict(edge=dict(type='SoftBCEDistillLoss')))
    with pytest.raises(KeyError, match='edge'):
        kd(_feats(6, 16), _feats(6, 16))
