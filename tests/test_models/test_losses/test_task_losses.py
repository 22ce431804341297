# Copyright (c) mmbin contributors. All rights reserved.
"""Task losses: values against hand computations, masks, edge cases."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmbin.models.losses import (BalancedBCELoss, DepthL1Loss, MaskedSILogLoss,
                                 NormalLoss)


def test_depth_l1_ignores_invalid_pixels():
    pred = torch.tensor([[[[1., 2.], [3., 4.]]]], requires_grad=True)
    gt = torch.tensor([[[[2., 0.], [1., 4.]]]])
    loss = DepthL1Loss(loss_weight=2.)(pred, gt)
    # valid: (1 vs 2), (3 vs 1), (4 vs 4) -> mean 1.0, times 2
    assert loss.item() == pytest.approx(2.0)
    loss.backward()
    assert pred.grad[0, 0, 0, 1] == 0
    assert DepthL1Loss().loss_name == 'loss_depth'


def test_depth_l1_all_invalid_is_zero_with_grad():
    pred = torch.rand(1, 1, 3, 3, requires_grad=True)
    loss = DepthL1Loss()(pred, torch.zeros(1, 1, 3, 3))
    assert loss.item() == 0
    loss.backward()
    assert pred.grad is not None


def test_silog_matches_formula_and_mask():
    pred = torch.tensor([[[[1., 2.], [4., 8.]]]])
    gt = torch.tensor([[[[2., 2.], [0., 4.]]]])
    d = torch.log(torch.tensor([1., 2., 8.])) - torch.log(
        torch.tensor([2., 2., 4.]))
    expect = 10 * math.sqrt((d**2).mean() - 0.85 * d.mean()**2)
    assert MaskedSILogLoss()(pred, gt).item() == pytest.approx(
        expect, rel=1e-5)
    # a perfect prediction costs (almost) nothing
    assert MaskedSILogLoss()(gt.clamp(min=1.), gt.clamp(min=1.)).item() < 2e-3


def test_normal_loss_l1_and_cosine():
    n = F.normalize(torch.randn(2, 3, 4, 4), dim=1)
    gt = n.clone()
    gt[:, :, 0, 0] = 0  # invalid pixel
    assert NormalLoss()(n, gt).item() == pytest.approx(0., abs=1e-6)
    assert NormalLoss(mode='cosine')(3 * n, gt).item() == pytest.approx(
        0., abs=1e-6)
    # opposite vectors: |2n|_1 per pixel, cosine 2
    l1 = NormalLoss()(-n, gt).item()
    mask = gt.norm(dim=1) > 0
    exact = (2 * n.abs().sum(dim=1))[mask].mean().item()
    assert l1 == pytest.approx(exact, rel=1e-5)
    assert NormalLoss(mode='cosine')(-n, gt).item() == pytest.approx(2.)
    with pytest.raises(ValueError, match='mode'):
        NormalLoss(mode='l2')


def test_balanced_bce_weights_and_ignore():
    logits = torch.tensor([[[[0.5, -1.0, 2.0, 0.3]]]])
    target = torch.tensor([[[[1, 0, 255, 0]]]])
    loss = BalancedBCELoss(pos_weight=0.9)(logits, target).item()
    bce = F.binary_cross_entropy_with_logits(
        torch.tensor([0.5, -1.0, 0.3]), torch.tensor([1., 0., 0.]),
        reduction='none')
    expect = (0.9 * bce[0] + 0.1 * bce[1] + 0.1 * bce[2]) / 3
    assert loss == pytest.approx(expect.item(), rel=1e-6)
    # batch balance: w = fraction of negatives = 2/3
    auto = BalancedBCELoss(pos_weight=None)(logits, target).item()
    w = 2 / 3
    expect = (w * bce[0] + (1 - w) * (bce[1] + bce[2])) / 3
    assert auto == pytest.approx(expect.item(), rel=1e-6)
    with pytest.raises(ValueError, match='pos_weight'):
        BalancedBCELoss(pos_weight=1.5)


def test_losses_reject_shape_mismatch():
    with pytest.raises(ValueError, match='shape'):
        DepthL1Loss()(torch.rand(1, 1, 2, 2), torch.rand(1, 1, 3, 3))
    with pytest.raises(ValueError, match='shape'):
        BalancedBCELoss()(torch.rand(1, 1, 2, 2), torch.rand(1, 1, 3, 3))


@pytest.mark.parametrize('loss', [DepthL1Loss(), MaskedSILogLoss(),
                                  NormalLoss()])
def test_extra_valid_mask_with_or_without_channel_dim(loss):
    """The shared MaskedPixelLoss path: an extra mask narrows the valid
    pixels, ``(N, 1, H, W)`` and ``(N, H, W)`` mean the same, and an empty
    mask gives 0 with a gradient path."""
    g = torch.Generator().manual_seed(0)
    c = 3 if isinstance(loss, NormalLoss) else 1
    pred = (torch.rand(2, c, 4, 5, generator=g) + 0.5).requires_grad_()
    gt = torch.rand(2, c, 4, 5, generator=g) + 0.5
    keep = torch.rand(2, 1, 4, 5, generator=g) > 0.5
    masked = loss(pred, gt, keep)
    assert torch.equal(masked, loss(pred, gt, keep[:, 0]))
    # the same as dropping the pixels from the ground truth
    gt_dropped = gt * keep
    assert torch.allclose(masked, loss(pred, gt_dropped))
    assert not torch.allclose(masked, loss(pred, gt))
    empty = loss(pred, gt, torch.zeros_like(keep))
    assert empty.item() == 0
    empty.backward()
    assert pred.grad is not None and not pred.grad.any()


def test_loss_shape_errors_name_the_class_and_inputs():
    from mmbin.models.losses import ChannelWiseDistillLoss, FeatureDistillLoss
    with pytest.raises(ValueError, match=r'^DepthL1Loss: pred shape '
                       r'\(1, 1, 2, 2\) != target shape \(1, 1, 3, 3\)$'):
        DepthL1Loss()(torch.rand(1, 1, 2, 2), torch.rand(1, 1, 3, 3))
    with pytest.raises(ValueError, match=r'^ChannelWiseDistillLoss: student '
                       r'shape \(1, 2\) != teacher shape \(1, 3\)$'):
        ChannelWiseDistillLoss()(torch.rand(1, 2), torch.rand(1, 3))
    with pytest.raises(ValueError, match='add a connector'):
        FeatureDistillLoss()(torch.rand(1, 2), torch.rand(1, 3))
    with pytest.raises(ValueError, match=r'^NormalLoss: expected pred and '
                       r'target of shape \(N, 3, H, W\)'):
        NormalLoss()(torch.rand(1, 1, 2, 2), torch.rand(1, 1, 2, 2))
