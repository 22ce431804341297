# Copyright (c) mmbin contributors. All rights reserved.
"""BinaryLinear, the 1-D bypass and the binarized attention against
transcriptions of the BiDense reference formulas (binary/bidense.py,
binary/bivit.py, models/dpt/backbones/bidense_vit.py), written here from the
formulas, with identical weights, at 1e-5."""
import pytest
import torch
import torch.nn as nn

from mmbin.ops import (BinaryAttention, BinaryLinear,
                       channel_adaptive_bypass_1d, softmax_binary_map,
                       swap_linear_layers)

TOL = dict(rtol=1e-5, atol=1e-5)


def _sign(x):
    # the reference's torch.sign, with sign(0) = +1 as mmbin (no exact
    # zeros occur in these random tensors)
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


def _approx_sign(x):
    # Bi-Real's piecewise quadratic: -1 | x^2+2x | -x^2+2x | 1
    poly = torch.where(x < 0, x * x + 2 * x, -x * x + 2 * x)
    poly = torch.where(x < -1, -torch.ones_like(x), poly)
    poly = torch.where(x >= 1, torch.ones_like(x), poly)
    return _sign(x).detach() - poly.detach() + poly


def _bypass_1d(x, out):
    # repeat, then contiguous-group means (the reference's unflatten(-1,
    # (merge - 1, -1)).mean(-1) and the rest into one mean)
    c = x.shape[-1]
    rep, merge = divmod(out, c)
    parts = [x.repeat(*([1] * (x.dim() - 1)), rep)] if rep else []
    if merge:
        g = c // merge
        cols = [x[..., j * g:(j + 1) * g].mean(-1, keepdim=True)
                for j in range(merge - 1)]
        cols.append(x[..., g * (merge - 1):].mean(-1, keepdim=True))
        parts += cols
    return torch.cat(parts, -1)


def _reference_linear(layer, x):
    w = layer.weight
    scale = w.abs().mean(dim=1, keepdim=True).detach()
    c = w - w.mean(dim=-1, keepdim=True)
    clipped = c.clamp(-1, 1)
    wb = (scale * _sign(c)).detach() - clipped.detach() + clipped
    a = _approx_sign(x + layer.act_bias)
    out = a @ wb.t() + layer.bias
    if layer.with_bypass:
        out = nn.functional.layer_norm(out, (layer.out_features, ),
                                       layer.norm.weight, layer.norm.bias,
                                       1e-6)
        out = out + _bypass_1d(x, layer.out_features)
    return out


@pytest.mark.parametrize('cin,cout', [(8, 8), (6, 20), (20, 6), (9, 4)])
@pytest.mark.parametrize('bypass', [True, False])
def test_binary_linear_matches_reference(cin, cout, bypass):
    torch.manual_seed(0)
    layer = BinaryLinear(cin, cout, with_bypass=bypass)
    with torch.no_grad():  # non-trivial shift, norm and bias
        layer.act_bias.normal_(0, 0.3)
        layer.bias.normal_()
        if bypass:
            layer.norm.weight.normal_(1, 0.2)
            layer.norm.bias.normal_()
    x = torch.randn(3, 5, cin, requires_grad=True)
    out = layer(x)
    x_ref = x.detach().clone().requires_grad_(True)
    ref = _reference_linear(layer, x_ref)
    torch.testing.assert_close(out, ref, **TOL)
    # gradients: input (ApproxSign + bypass), weight (clipped STE through
    # the centring), shift, bias
    g = torch.randn_like(out)
    grads = torch.autograd.grad(out, [x, layer.weight, layer.act_bias],
                                g)
    ref_grads = torch.autograd.grad(
        ref, [x_ref, layer.weight, layer.act_bias], g)
    for a, b in zip(grads, ref_grads):
        torch.testing.assert_close(a, b, **TOL)
    assert grads[1].abs().sum() > 0 and grads[0].abs().sum() > 0
    # weight gradient of the centred clipped STE: g_W - row mean of g_W
    assert torch.allclose(grads[1].sum(dim=1), torch.zeros(cout), atol=1e-5)


def test_binary_linear_values_and_init():
    torch.manual_seed(0)
    layer = BinaryLinear(64, 32, with_bypass=False)
    assert 0.5e-3 < layer.weight.std().item() < 1.5e-3  # normal(1e-3)
    wb = layer.binary_weight().detach()
    scale = layer.weight.abs().mean(1, keepdim=True)
    assert torch.allclose(wb.abs(), scale.expand_as(wb))  # two values a row
    x = torch.randn(4, 64)
    a = torch.where(x >= 0, 1.0, -1.0)
    torch.testing.assert_close(
        layer(x), a @ wb.t() + layer.bias, **TOL)
    assert layer.binarized_input and layer.binarized_weight


def test_bypass_1d_grouping():
    x = torch.arange(10.).view(1, 10)
    # 10 -> 4: g = 2, outputs mean(0,1), mean(2,3), mean(4,5), mean(6..9)
    torch.testing.assert_close(channel_adaptive_bypass_1d(x, 4),
                               torch.tensor([[0.5, 2.5, 4.5, 7.5]]))
    # 4 -> 10: tiled twice, then 2 merged (g = 2): mean(0,1), mean(2,3)
    y = torch.arange(4.).view(1, 4)
    torch.testing.assert_close(
        channel_adaptive_bypass_1d(y, 10),
        torch.tensor([[0., 1, 2, 3, 0, 1, 2, 3, 0.5, 2.5]]))
    for cin, cout in [(7, 3), (5, 12), (16, 16), (3, 1)]:
        z = torch.randn(2, 3, cin)
        torch.testing.assert_close(
            channel_adaptive_bypass_1d(z, cout), _bypass_1d(z, cout))


def test_binary_linear_bivit_options():
    """BiViT's linears (the reference's newest DPT backbone): learnable
    scale initialised to mean|W|, gradient scaled by it; sign activations
    with the clipped STE, no shift."""
    torch.manual_seed(1)
    layer = BinaryLinear(
        12, 6, act_binarizer=dict(type='SignSTE'), act_bias=False,
        weight_scale='learnable', scale_weight_grad=True, with_bypass=False,
        weight_init_std=None, weight_init_bound=0.015)
    assert layer.weight.abs().max() <= 0.015
    torch.testing.assert_close(layer.weight_scale.detach(),
                               layer.weight.abs().mean(1, keepdim=True))
    x = torch.randn(2, 4, 12, requires_grad=True)
    out = layer(x)
    w, s = layer.weight, layer.weight_scale
    c = w - w.mean(-1, keepdim=True)
    # BinaryQuantizer: sign forward, grad * 1[|c| < 1] backward
    q = _sign(c).detach() - c.clamp(-1, 1).detach() + c.clamp(-1, 1)
    xa = x.detach().clone().requires_grad_(True)
    a = _sign(xa).detach() - xa.clamp(-1, 1).detach() + xa.clamp(-1, 1)
    ref = a @ (s * q).t() + layer.bias
    torch.testing.assert_close(out, ref, **TOL)
    g = torch.randn_like(out)
    got = torch.autograd.grad(out, [x, w, s], g)
    exp = torch.autograd.grad(ref, [xa, w, s], g)
    for p, r in zip(got, exp):
        torch.testing.assert_close(p, r, **TOL)
    with pytest.raises(ValueError, match='scale_weight_grad'):
        BinaryLinear(4, 4, weight_scale='learnable')
    with pytest.raises(TypeError, match='per-channel'):
        BinaryLinear(4, 4, act_binarizer=dict(type='RSign'))
    with pytest.raises(ValueError, match='input features'):
        BinaryLinear(4, 4)(torch.randn(2, 5))


def _reference_attention(attn, x):
    """models/dpt/backbones/bidense_vit.py's Attention.forward with its
    BinaryLinear(bypass=False) layers, from the formulas."""
    b, n, c = x.shape
    h = attn.num_heads
    qkv = _reference_linear(attn.qkv, x)
    qkv = _approx_sign(qkv + attn.qkv_act_bias)
    qkv = qkv.reshape(b, n, 3, h, c // h).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    logits = q @ k.transpose(-2, -1) * (c // h)**-0.5
    soft = logits.softmax(-1)
    thresh = 0.25 * soft.max(dim=-1, keepdim=True)[0]
    binary = torch.where(soft < thresh, 0.0, 1.0)
    amap = binary.detach() - soft.detach() + soft
    out = (amap @ v).transpose(1, 2).reshape(b, n, c)
    return _reference_linear(attn.proj, out)


def test_binary_attention_matches_reference():
    torch.manual_seed(0)
    attn = BinaryAttention(24, 3)
    with torch.no_grad():
        for p in (attn.qkv.act_bias, attn.proj.bias):
            p.normal_(0, 0.3)
        # at the scale of the normal(1e-3) weights (so that q, k, v vary
        # from token to token instead of following the biases)
        attn.qkv.bias.zero_()
        attn.qkv_act_bias.normal_(0, 1e-3)
        # a shift that keeps proj's integer inputs inside ApproxSign's
        # non-zero-gradient band, so gradients reach q, k, v
        attn.proj.act_bias.fill_(0.5)
    x = torch.randn(2, 9, 24, requires_grad=True)
    out = attn(x)
    x_ref = x.detach().clone().requires_grad_(True)
    ref = _reference_attention(attn, x_ref)
    torch.testing.assert_close(out, ref, **TOL)
    g = torch.randn_like(out)
    params = [attn.qkv.weight, attn.qkv_act_bias, attn.proj.weight]
    got = torch.autograd.grad(out, [x] + params, g)
    exp = torch.autograd.grad(ref, [x_ref] + params, g)
    for p, r in zip(got, exp):
        torch.testing.assert_close(p, r, **TOL)
    # STE: gradients reach the input and the qkv weight
    assert got[0].abs().sum() > 0 and got[1].abs().sum() > 0


def test_softmax_binary_map():
    logits = torch.tensor([[0.0, 0.0, 3.0, -5.0]], requires_grad=True)
    m = softmax_binary_map(logits)
    p = logits.softmax(-1)
    assert torch.equal(m, (p >= 0.25 * p.max()).float())
    assert m.tolist() == [[0.0, 0.0, 1.0, 0.0]]
    (m * torch.tensor([1., 2, 3, 4])).sum().backward()
    # the gradient is the softmax's
    logits2 = logits.detach().clone().requires_grad_(True)
    (logits2.softmax(-1) * torch.tensor([1., 2, 3, 4])).sum().backward()
    torch.testing.assert_close(logits.grad, logits2.grad)


def test_swap_linear_layers():
    from mmseg.models.backbones import VisionTransformer
    torch.manual_seed(0)
    vit = VisionTransformer(
        img_size=(32, 32), patch_size=8, embed_dims=32, num_layers=2,
        num_heads=2, out_indices=(1, ), final_norm=True)
    vit.head = nn.Linear(32, 10)  # a head that must stay full precision
    names = swap_linear_layers(vit, exclude=('head', ))
    assert sorted(names) == sorted(
        f'layers.{i}.ffn.layers.{j}' for i in range(2)
        for j in ('0.0', '1'))
    mods = dict(vit.named_modules())
    assert all(isinstance(mods[n], BinaryLinear) for n in names)
    assert type(vit.head) is nn.Linear
    # attention projections are read by F.multi_head_attention_forward, so
    # they stay nn.Linear (a swap would be ignored)
    assert type(vit.layers[0].attn.attn.out_proj) is not BinaryLinear
    assert swap_linear_layers(vit, exclude=('head', )) == []  # idempotent
    out = vit(torch.randn(1, 3, 32, 32))[0]
    out.sum().backward()
    assert mods[names[0]].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='sequence'):
        swap_linear_layers(vit, exclude='head')
