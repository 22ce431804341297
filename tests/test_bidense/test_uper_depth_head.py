# Copyright (c) mmbin contributors. All rights reserved.
"""UPerDepthHead and the binary up-sampling block inside it."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmbin.ops import BiDenseConvTranspose2d, BinaryConvTranspose2d
from mmbin.ops.bidense_conv import NormBypass

IN_CHANNELS = [8, 16, 32, 64]


def _head(**kwargs):
    init_default_scope('mmseg')
    cfg = dict(
        type='UPerDepthHead',
        in_channels=IN_CHANNELS,
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2),
        channels=16,
        conv_cfg=dict(type='BiDenseConv'),
        norm_cfg=None,
        act_cfg=dict(type='PReLU'),
        max_depth=10.0)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _feats(n=2, h=16, w=20):
    return [
        torch.randn(n, c, h // 2**i, w // 2**i)
        for i, c in enumerate(IN_CHANNELS)
    ]


@pytest.mark.parametrize('upsample_cfg,cls', [
    (dict(type='BiDenseConvTranspose2d'), BiDenseConvTranspose2d),
    (dict(type='BinaryConvTranspose2d'), NormBypass),
    (dict(type='deconv'), NormBypass),
    (None, type(None)),
])
def test_output_shape_range_and_upsampler(upsample_cfg, cls):
    head = _head(upsample_cfg=upsample_cfg)
    assert isinstance(head.up, cls)
    if cls is NormBypass and upsample_cfg['type'] != 'deconv':
        assert isinstance(head.up.layer, BinaryConvTranspose2d)
    out = head(_feats())
    scale = 1 if upsample_cfg is None else 2
    assert out.shape == (2, 1, 16 * scale, 20 * scale)
    assert (out > 0).all() and (out < 10).all()
    # the classifier stays full precision
    assert type(head.conv_seg) is nn.Conv2d and head.conv_seg.out_channels \
        == 1


def test_binary_upsampling_block_bypass_is_nearest_cfb():
    """BiDense's up-sampling block with a vanishing binary path (zero
    weights) and BN in eval is nearest-neighbour up-sampling through CFB."""
    up = BiDenseConvTranspose2d(4, 8, 2, stride=2, bias=False).eval()
    with torch.no_grad():
        up.weight.zero_()
    x = torch.randn(2, 4, 3, 5)
    near = F.interpolate(x, scale_factor=2, mode='nearest')
    assert torch.allclose(up(x), torch.cat([near, near], 1), atol=1e-6)
    # with real weights the binary path contributes and gradients flow
    up = BiDenseConvTranspose2d(4, 8, 2, stride=2, bias=False)
    x.requires_grad_(True)
    out = up(x)
    assert not torch.allclose(out, torch.cat([near, near], 1))
    out.sum().backward()
    assert up.weight.grad.abs().sum() > 0 and x.grad.abs().sum() > 0


def _sample(depth):
    s = SegDataSample()
    s.gt_depth_map = PixelData(data=depth)
    return s


def test_loss_on_valid_pixels_and_backward():
    head = _head()
    feats = _feats()
    gt = torch.rand(2, 1, 64, 80) * 5 + 0.5
    gt[:, :, :10] = 0  # invalid rows
    losses = head.loss_by_feat(head(feats), [_sample(g) for g in gt])
    assert set(losses) == {'loss_silog'}
    assert losses['loss_silog'] > 0
    losses['loss_silog'].backward()
    assert head.up.weight.grad.abs().sum() > 0
    # reference: SILog on the valid pixels of the resized prediction
    with torch.no_grad():
        out = head(feats)
        loss = head.loss_by_feat(out, [_sample(g) for g in gt])['loss_silog']
        pred = F.interpolate(out, size=(64, 80), mode='bilinear')
        valid = gt > 0
        d = torch.log(pred[valid]) - torch.log(gt[valid])
        ref = 10 * torch.sqrt((d**2).mean() - 0.85 * d.mean()**2)
    assert torch.allclose(loss, ref, rtol=1e-4)


def test_errors():
    with pytest.raises(ValueError, match='num_classes=3'):
        _head(num_classes=3)
    with pytest.raises(ValueError, match='max_depth must be positive'):
        _head(max_depth=0)
    head = _head()
    with pytest.raises(KeyError, match='gt_depth_map'):
        head.loss_by_feat(head(_feats()), [SegDataSample(), SegDataSample()])
