# Copyright (c) mmbin contributors. All rights reserved.
"""BiDense units against the reference code's forward computation.

The ``ref_*`` functions below are transcriptions of the maths of the public
BiDense code (frickyinn/BiDense: ``binary/bidense.py``,
``models/upernet/backbones/bidense_convnext.py``,
``models/dpt/bidense_dpt.py``), written here from the formulas:

- DAB: ``s = x - (k_c mean_hw(x) + b_c)``, ``alpha = exp(a_c (mean_hw|s| -
  1))``, output ``alpha * sign(s)``;
- XNOR weight: ``mean(|W|)`` over all but the first dimension of the
  *stored* weight times ``sign(W)`` (per output channel for a conv, per
  input channel for a transposed conv, whose stored layout is ``(C_in,
  C_out/g, kh, kw)``);
- the convolution zero-pads its (scaled) input;
- CFB: the input tiled ``C_out // C_in`` times, then ``C_out % C_in =
  m`` channels: the first ``(C_in // m)(m - 1)`` inputs viewed as ``(C_in
  // m, m - 1)`` and averaged over the first axis, the rest averaged into
  one;
- unit: ``BN(conv(DAB(x))) + CFB(x)``; down-sampling: ``BN(conv2x2/2(DAB(
  x))) + CFB(AvgPool2(x))``; up-sampling: ``BN(convT_sxs/s(DAB(x))) +
  CFB(nearest_up_s(x))``; ConvNeXt block: ``pw2(PReLU(pw1(dw7x7(x)) +
  bias))`` with no block residual.

Each test copies our module's parameters into these formulas and compares
outputs within 1e-5, in both BN modes; where mmbin keeps a deployable
alternative (``pad_value=1.0``, ``weight_scale='output'``) that mode is
checked against its own formula and shown to differ from the reference.
"""
import pytest
import torch
import torch.nn.functional as F

from mmbin.models.backbones.bidense_convnext import (BiDenseConvNeXt,
                                                     BiDenseConvNeXtBlock)
from mmbin.ops import BiDenseConv, BiDenseConvTranspose2d

TOL = 1e-5


# ----------------------------------------------------------------- reference
def ref_dab(x, k, b, a):
    mean = x.mean(dim=(2, 3), keepdim=True)
    s = x - (k.view(1, -1, 1, 1) * mean + b.view(1, -1, 1, 1))
    alpha = torch.exp(
        a.view(1, -1, 1, 1) * (s.abs().mean(dim=(2, 3), keepdim=True) - 1))
    return alpha * torch.sign(s)


def ref_xnor(w):
    return w.abs().mean(dim=tuple(range(1, w.dim())), keepdim=True) * \
        torch.sign(w)


def ref_cfb(x, cout):
    cin = x.shape[1]
    times, m = divmod(cout, cin)
    parts = [x] * times
    if m:
        regular = (cin // m) * (m - 1)
        n, _, h, w = x.shape
        if m > 1:
            parts.append(x[:, :regular].reshape(n, cin // m, m - 1, h,
                                                w).mean(1))
        parts.append(x[:, regular:].mean(1, keepdim=True))
    return torch.cat(parts, 1)


def ref_bn(y, bn):
    if bn.training:
        mean = y.mean(dim=(0, 2, 3), keepdim=True)
        var = y.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    else:
        mean = bn.running_mean.view(1, -1, 1, 1)
        var = bn.running_var.view(1, -1, 1, 1)
    return (y - mean) / torch.sqrt(var + bn.eps) * bn.weight.view(
        1, -1, 1, 1) + bn.bias.view(1, -1, 1, 1)


def ref_conv_branch(x, unit):
    """``BN(conv(DAB(x)))`` of a reference BiDenseConv2d (zero padding)."""
    d = unit.act_binarizer
    y = F.conv2d(
        ref_dab(x, d.k, d.b, d.a), ref_xnor(unit.weight), unit.bias,
        unit.stride, unit.padding, unit.dilation, unit.groups)
    return ref_bn(y, unit.bn)


def ref_unit(x, unit):
    return ref_conv_branch(x, unit) + ref_cfb(x, unit.out_channels)


def ref_down(x, unit):
    return ref_conv_branch(x, unit) + ref_cfb(
        F.avg_pool2d(x, 2, 2), unit.out_channels)


def ref_up(x, up, scale):
    d = up.act_binarizer
    y = F.conv_transpose2d(
        ref_dab(x, d.k, d.b, d.a), ref_xnor(up.weight), up.bias,
        stride=scale)
    return ref_bn(y, up.bn) + ref_cfb(
        F.interpolate(x, scale_factor=scale), up.out_channels)


def ref_block(x, blk):
    h = ref_unit(ref_unit(x, blk.dwconv), blk.pwconv1)
    h = F.prelu(h + blk.bias.bias.view(1, -1, 1, 1), blk.act.weight)
    return ref_unit(h, blk.pwconv2)


# ------------------------------------------------------------------- helpers
def _randomise(module, seed=0):
    """Non-trivial DAB, BN and activation parameters (so that no term of
    the formulas is silently 0 or 1)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith('weight') and p.dim() > 1:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
            elif name.split('.')[-1] in ('k', 'b', 'a'):
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)
            else:
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
        for name, buf in module.named_buffers():
            if name.endswith('running_mean'):
                buf.copy_(torch.randn(buf.shape, generator=g) * 0.1)
            elif name.endswith('running_var'):
                buf.copy_(torch.rand(buf.shape, generator=g) + 0.5)
    return module


def _close(a, b, scale=1.0):
    """``max |a - b| < 1e-5 * scale``."""
    assert a.shape == b.shape
    err = (a - b).abs().max().item()
    assert err < TOL * scale, err


# --------------------------------------------------------------------- tests
@pytest.mark.parametrize('train', [False, True])
@pytest.mark.parametrize('cin,cout,k,groups', [
    (8, 8, 7, 8),     # depthwise 7x7 (ConvNeXt block)
    (8, 20, 1, 1),    # fusion-up (tile x2 + 4 merged)
    (20, 8, 1, 1),    # fusion-down
    (12, 12, 3, 1),   # 3x3 decoder conv
])
def test_bidense_conv_matches_reference(train, cin, cout, k, groups):
    torch.manual_seed(0)
    unit = _randomise(
        BiDenseConv(cin, cout, k, padding=k // 2, groups=groups, bias=False,
                    pad_value=0.0))
    unit.train(train)
    x = torch.randn(2, cin, 9, 11)
    _close(unit(x), ref_unit(x, unit))


def test_bidense_conv_gradients_match_reference_surrogates():
    """Same forward, and the input / DAB / weight gradients of the
    reference's surrogates (ApproxSign on ``s``, clipped STE on ``W``)."""
    torch.manual_seed(1)
    unit = _randomise(BiDenseConv(6, 6, 3, padding=1, bias=False,
                                  pad_value=0.0))
    x = torch.randn(2, 6, 7, 7, requires_grad=True)
    gy = torch.randn(2, 6, 7, 7)
    (unit(x) * gy).sum().backward()
    ours = [x.grad.clone()] + [
        p.grad.clone() for p in (unit.weight, unit.act_binarizer.k,
                                 unit.act_binarizer.a)
    ]

    x2 = x.detach().clone().requires_grad_(True)
    d = unit.act_binarizer
    k, a = d.k.detach().clone().requires_grad_(True), \
        d.a.detach().clone().requires_grad_(True)
    w = unit.weight.detach().clone().requires_grad_(True)
    mean = x2.detach().mean(dim=(2, 3), keepdim=True)
    s = x2 - (k.view(1, -1, 1, 1) * mean + d.b.view(1, -1, 1, 1))
    alpha = torch.exp(a.view(1, -1, 1, 1) *
                      (s.detach().abs().mean(dim=(2, 3), keepdim=True) - 1))
    c = s.clamp(-1, 1)
    poly = 2 * c - c * c.abs()  # ApproxSign's surrogate
    sb = torch.sign(s).detach() - poly.detach() + poly
    wc = w.clamp(-1, 1)
    wb = ref_xnor(w.detach()) - wc.detach() + wc
    y = ref_bn(F.conv2d(alpha * sb, wb, None, 1, 1), unit.bn) + x2
    (y * gy).sum().backward()
    for g_ours, g_ref in zip(ours, [x2.grad, w.grad, k.grad, a.grad]):
        # gradients reach |g| ~ 50: compare relative to their size
        _close(g_ours, g_ref, max(1.0, g_ref.abs().max().item()))


def test_pad_value_switch():
    """``pad_value=0.0`` is the reference's zero padding; the deployable
    ``1.0`` pads the signs with +1 (times the channel's alpha): the same
    inside the map, different on its border."""
    torch.manual_seed(2)
    faithful = _randomise(BiDenseConv(8, 8, 7, padding=3, groups=8,
                                      bias=False, pad_value=0.0)).eval()
    deploy = _randomise(BiDenseConv(8, 8, 7, padding=3, groups=8,
                                    bias=False, pad_value=1.0)).eval()
    deploy.load_state_dict(faithful.state_dict())
    x = torch.randn(2, 8, 10, 10)
    ref = ref_unit(x, faithful)
    _close(faithful(x), ref)
    out = deploy(x)
    _close(out[..., 3:-3, 3:-3], ref[..., 3:-3, 3:-3])
    assert (out - ref).abs().max() > 1e-2

    # the +1 form's own formula: pad sign(s) with +1, then scale by alpha
    d = deploy.act_binarizer
    mean = x.mean(dim=(2, 3), keepdim=True)
    s = x - (d.k.view(1, -1, 1, 1) * mean + d.b.view(1, -1, 1, 1))
    alpha = torch.exp(d.a.view(1, -1, 1, 1) *
                      (s.abs().mean(dim=(2, 3), keepdim=True) - 1))
    b = F.pad(torch.sign(s), (3, 3, 3, 3), value=1.0) * alpha
    y = F.conv2d(b, ref_xnor(deploy.weight), None, 1, 0, 1, 8)
    _close(out, ref_bn(y, deploy.bn) + x)


def test_pad_value_checked():
    with pytest.raises(ValueError, match='pad_value'):
        BiDenseConv(4, 4, 3, padding=1, pad_value=0.5)


@pytest.mark.parametrize('train', [False, True])
def test_downsampling_matches_reference(train):
    """The ConvNeXt transition: ``BN(BinConv2x2/2(DAB(x))) +
    CFB(AvgPool2(x))``, 8 -> 16 channels, as built by the backbone."""
    torch.manual_seed(3)
    net = BiDenseConvNeXt(
        arch=dict(depths=[1, 1], channels=[8, 16]),
        conv_cfg=dict(type='BiDenseConv', pad_value=0.0),
        out_norm_cfg=None,
        out_indices=(0, 1))
    down = _randomise(net.downsample_layers[0]).train(train)
    assert down.stride == (2, 2) and down.kernel_size == (2, 2)
    x = torch.randn(2, 8, 8, 12)
    _close(down(x), ref_down(x, down))


@pytest.mark.parametrize('train', [False, True])
def test_convnext_block_matches_reference(train):
    torch.manual_seed(4)
    blk = _randomise(
        BiDenseConvNeXtBlock(
            8, conv_cfg=dict(type='BiDenseConv', pad_value=0.0))).train(train)
    assert blk.act.weight.numel() == 32  # per-channel PReLU on 4C
    x = torch.randn(2, 8, 9, 9)
    _close(blk(x), ref_block(x, blk))


@pytest.mark.parametrize('train', [False, True])
@pytest.mark.parametrize('cin,cout,scale', [(8, 8, 2), (8, 12, 4),
                                            (12, 8, 2)])
def test_upsampling_matches_reference(train, cin, cout, scale):
    """The reference's up-sampling (``BiDenseUp`` of its DPT):
    ``BN(BinConvT(DAB(x))) + CFB(nearest_up(x))`` with the XNOR scale per
    *input* channel (``weight_scale='input'``, the default)."""
    torch.manual_seed(5)
    up = _randomise(
        BiDenseConvTranspose2d(cin, cout, scale, stride=scale,
                               bias=False)).train(train)
    x = torch.randn(2, cin, 5, 6)
    _close(up(x), ref_up(x, up, scale))


def test_upsampling_weight_scale_switch():
    """``weight_scale='output'`` (deployable) uses the per-output-channel
    XNOR scale: its own formula holds, and it differs from the
    reference."""
    torch.manual_seed(6)
    ref_layer = _randomise(BiDenseConvTranspose2d(8, 6, 2, stride=2,
                                                  bias=False)).eval()
    out_layer = BiDenseConvTranspose2d(8, 6, 2, stride=2, bias=False,
                                       weight_scale='output').eval()
    out_layer.load_state_dict(ref_layer.state_dict())
    x = torch.randn(2, 8, 4, 5)
    w = out_layer.weight  # (C_in, C_out, k, k)
    w_out = w.abs().mean(dim=(0, 2, 3), keepdim=True) * torch.sign(w)
    d = out_layer.act_binarizer
    y = F.conv_transpose2d(ref_dab(x, d.k, d.b, d.a), w_out, None, 2)
    expect = ref_bn(y, out_layer.bn) + ref_cfb(
        F.interpolate(x, scale_factor=2), 6)
    _close(out_layer(x), expect)
    assert (out_layer(x) - ref_layer(x)).abs().max() > 1e-3


def test_upsampling_deployable_scale_mode():
    """``scale_mode='output'`` moves DAB's scale after the transposed conv
    (group mean of ``alpha``): ``beta[n] * convT(sign(s), Wb)``."""
    torch.manual_seed(7)
    up = _randomise(BiDenseConvTranspose2d(
        8, 6, 2, stride=2, bias=False, weight_scale='output',
        scale_mode='output')).eval()
    x = torch.randn(2, 8, 4, 5)
    d = up.act_binarizer
    mean = x.mean(dim=(2, 3), keepdim=True)
    s = x - (d.k.view(1, -1, 1, 1) * mean + d.b.view(1, -1, 1, 1))
    alpha = torch.exp(d.a.view(1, -1, 1, 1) *
                      (s.abs().mean(dim=(2, 3), keepdim=True) - 1))
    beta = alpha.mean(dim=1, keepdim=True)
    w = up.weight
    wb = w.abs().mean(dim=(0, 2, 3), keepdim=True) * torch.sign(w)
    y = F.conv_transpose2d(torch.sign(s), wb, None, 2) * beta
    bypass = ref_cfb(F.interpolate(x, scale_factor=2), 6)
    _close(up(x), ref_bn(y, up.bn) + bypass)
    with pytest.raises(ValueError, match='weight_scale'):
        BiDenseConvTranspose2d(4, 4, 2, stride=2, weight_scale='both')


@pytest.mark.parametrize('layer', ['conv', 'convT'])
def test_weight_init_std(layer):
    """The reference initialises every binary weight with normal(std=1e-3);
    ``weight_init_std`` does, ``None`` keeps PyTorch's (much wider)
    initialisation."""
    torch.manual_seed(8)
    if layer == 'conv':
        ref = BiDenseConv(64, 64, 3, weight_init_std=1e-3)
        default = BiDenseConv(64, 64, 3)
    else:
        ref = BiDenseConvTranspose2d(64, 64, 2, stride=2,
                                     weight_init_std=1e-3)
        default = BiDenseConvTranspose2d(64, 64, 2, stride=2)
    std = ref.weight.std().item()
    assert 0.95e-3 < std < 1.05e-3
    assert abs(ref.weight.mean().item()) < 1e-4
    assert default.weight.std().item() > 1e-2
    with pytest.raises(ValueError, match='weight_init_std'):
        BiDenseConv(4, 4, 3, weight_init_std=-1.0)
