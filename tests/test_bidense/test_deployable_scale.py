# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseConv's deployable scale (scale_mode='output' / 'sample') against
references computed with the scale applied after the convolution."""
import pytest
import torch
import torch.nn.functional as F

from mmbin.ops import DAB, BiDenseConv
from mmbin.ops.bidense_conv import CFBConv2d, NormBypass, pooled_bypass
from mmbin.ops.dab import dab_output_scale


def _randomise_dab(conv, seed=0):
    g = torch.Generator().manual_seed(seed)
    dab = conv.act_binarizer
    with torch.no_grad():
        dab.k.copy_(torch.randn(dab.channels, generator=g) * 0.5)
        dab.b.copy_(torch.randn(dab.channels, generator=g) * 0.2)
        dab.a.copy_(torch.randn(dab.channels, generator=g) * 0.5)


def _reference(conv, x, per_output):
    """sign(s), padded with +1, convolved with alpha_o sign(W), then scaled
    by the mean of alpha over each output's input-channel group (or over
    all channels), computed from scratch (not through the layer)."""
    dab = conv.act_binarizer
    k, b, a = (p.view(1, -1, 1, 1) for p in (dab.k, dab.b, dab.a))
    s = x - (k * x.mean(dim=(2, 3), keepdim=True) + b)
    alpha = torch.exp(a * (s.abs().mean(dim=(2, 3), keepdim=True) - 1))
    bits = torch.where(s >= 0, 1.0, -1.0)
    w = conv.weight
    wb = w.abs().mean(dim=(1, 2, 3), keepdim=True) * torch.where(
        w >= 0, 1.0, -1.0)
    p = conv.padding[0]
    y = F.conv2d(
        F.pad(bits, (p, p, p, p), value=1.0),
        wb,
        stride=conv.stride,
        groups=conv.groups)
    n, c = alpha.shape[:2]
    g = conv.groups
    if per_output:
        beta = alpha.view(n, g, c // g).mean(2).repeat_interleave(
            conv.out_channels // g, dim=1)
    else:
        beta = alpha.view(n, c).mean(1, keepdim=True).expand(
            n, conv.out_channels)
    return y * beta.view(n, -1, 1, 1)


SHAPES = [(6, 10, 3, 1, 1), (8, 4, 1, 1, 1), (8, 8, 7, 1, 8),
          (6, 12, 3, 2, 3), (4, 8, 2, 2, 1)]


@pytest.mark.parametrize('cin,cout,k,stride,groups', SHAPES)
@pytest.mark.parametrize('mode', ['output', 'sample'])
def test_deployable_equals_scale_after_conv(cin, cout, k, stride, groups,
                                            mode):
    torch.manual_seed(1)
    conv = BiDenseConv(
        cin,
        cout,
        k,
        stride=stride,
        padding=k // 2,
        groups=groups,
        bias=False,
        norm_cfg=None,
        with_bypass=False,
        scale_mode=mode)
    _randomise_dab(conv)
    x = torch.randn(3, cin, 9, 10)
    ref = _reference(conv, x, per_output=mode == 'output')
    assert torch.allclose(conv(x), ref, atol=1e-5)
    # the documented factor is what output_scale() returns
    beta = conv.output_scale(x)
    assert beta.shape == (3, cout, 1, 1)
    bits_conv = ref / beta
    assert torch.allclose(conv(x), beta * bits_conv, atol=1e-5)


def test_output_mode_is_exact_for_depthwise_and_differs_for_dense():
    torch.manual_seed(2)
    x = torch.randn(2, 8, 7, 7)
    for groups, same in ((8, True), (1, False)):
        convs = [
            BiDenseConv(
                8, 8, 3, padding=1, groups=groups, norm_cfg=None,
                scale_mode=mode) for mode in ('input', 'output')
        ]
        convs[1].load_state_dict(convs[0].state_dict())
        _randomise_dab(convs[0])
        _randomise_dab(convs[1])
        close = torch.allclose(convs[0](x), convs[1](x), atol=1e-5)
        assert close is same


def test_bias_added_after_the_scale_and_bypass_kept():
    torch.manual_seed(3)
    conv = BiDenseConv(4, 6, 3, padding=1, bias=True, scale_mode='sample')
    conv.eval()
    _randomise_dab(conv)
    with torch.no_grad():
        conv.bias.copy_(torch.arange(6.))
    x = torch.randn(2, 4, 5, 5)
    core = _reference(conv, x, per_output=False) + conv.bias.view(1, -1, 1,
                                                                  1)
    expected = conv.bn(core) + pooled_bypass(x, (5, 5), 6)
    assert torch.allclose(conv(x), expected, atol=1e-5)


def test_gradients_reach_dab_parameters_in_deployable_mode():
    conv = BiDenseConv(4, 4, 3, padding=1, scale_mode='output')
    x = torch.randn(2, 4, 6, 6, requires_grad=True)
    (conv(x) * torch.randn(2, 4, 6, 6)).sum().backward()
    for name in ('k', 'b', 'a'):
        grad = getattr(conv.act_binarizer, name).grad
        assert grad is not None and grad.abs().sum() > 0, name
    assert x.grad.abs().sum() > 0


def test_scale_mode_errors_and_repr():
    with pytest.raises(ValueError, match='scale_mode must be one of'):
        BiDenseConv(4, 4, 3, scale_mode='channel')
    with pytest.raises(ValueError, match="mode must be 'output' or"):
        dab_output_scale(torch.ones(1, 4, 1, 1), 4, mode='input')
    with pytest.raises(ValueError, match='must divide'):
        dab_output_scale(torch.ones(1, 4, 1, 1), 6, groups=4)
    with pytest.raises(TypeError, match='BiDenseConv fixes act_binarizer'):
        BiDenseConv(4, 4, 3, act_binarizer=dict(type='SignSTE'))
    assert 'scale_mode=output' in repr(BiDenseConv(4, 4, 1,
                                                   scale_mode='output'))
    assert 'scale_mode' not in repr(BiDenseConv(4, 4, 1))
    assert isinstance(BiDenseConv(4, 4, 1).act_binarizer, DAB)


def test_cfb_conv2d_twins():
    torch.manual_seed(4)
    x = torch.randn(2, 4, 8, 8)
    fp = CFBConv2d(
        4, 8, 3, stride=2, padding=1, act_binarizer=None,
        weight_binarizer=None).eval()
    ref = fp.bn(F.conv2d(x, fp.weight, fp.bias, 2, 1)) + torch.cat(
        [F.avg_pool2d(x, 2)] * 2, 1)
    assert torch.allclose(fp(x), ref, atol=1e-5)
    assert not fp.binarized_input and not fp.binarized_weight
    bnn = CFBConv2d(4, 4, 3, padding=1)
    assert bnn.binarized_input and bnn.binarized_weight
    bare = CFBConv2d(4, 4, 3, padding=1, norm_cfg=None, with_bypass=False)
    assert bare.bn is None and bare.bypass is None
    assert 'with_bypass=False' in repr(bare)


def test_norm_bypass_resamples_to_the_output():
    x = torch.randn(1, 4, 6, 6)
    up = NormBypass(torch.nn.ConvTranspose2d(4, 2, 2, stride=2)).eval()
    with torch.no_grad():
        up.layer.weight.zero_()
        up.layer.bias.zero_()
    near = F.interpolate(x, scale_factor=2, mode='nearest')
    # nearest x2, then CFB fusion-down 4 -> 2: m = 2, g = 2, output 0
    # averages channels 0, 1 and output 1 the remaining 2, 3
    out = up(x)
    assert out.shape == (1, 2, 12, 12)
    assert torch.allclose(out[:, 0], near[:, :2].mean(1), atol=1e-6)
    assert torch.allclose(out[:, 1], near[:, 2:].mean(1), atol=1e-6)
    down = NormBypass(torch.nn.Conv2d(4, 4, 3, stride=2, padding=1)).eval()
    with torch.no_grad():
        down.layer.weight.zero_()
        down.layer.bias.zero_()
    assert torch.allclose(down(x), F.avg_pool2d(x, 2), atol=1e-6)
    with pytest.raises(TypeError, match='no out_channels'):
        NormBypass(torch.nn.ReLU())
