# Copyright (c) mmbin contributors. All rights reserved.
import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS

from mmbin.models.sharing import (DeltaConv2d, DeltaLinear,
                                  DeltaMultiheadAttention, SharingContext,
                                  delta_layers, wrap_for_sharing)
from mmbin.ops import BinaryConv2d


class Holder(nn.Module):

    def __init__(self, backbone, decoder=None):
        super().__init__()
        self.backbone = backbone
        if decoder is not None:
            self.decoder = decoder


def run(ctx, module, x, task):
    with torch.no_grad(), ctx.task_scope(task):
        return module(x)


@pytest.mark.parametrize('side', ['output', 'input'])
def test_conv_zero_delta_reproduces_base_and_delta_maths(side):
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=True)
    x = torch.randn(2, 3, 8, 8)
    ref = conv(x).detach()
    ctx = SharingContext('seg', ['depth'])
    layer = DeltaConv2d.from_module(conv, 'c', ['depth'], ctx,
                                    dict(activation_side=side))
    assert layer.weight is conv.weight and layer.bias is conv.bias
    layer.eval()
    ctx.begin_forward()
    assert torch.equal(run(ctx, layer, x, None), ref)
    assert torch.equal(run(ctx, layer, x, 'depth'), ref)
    # a delta on some weights and a thresholded activation delta
    pd = layer.deltas['depth']['weight']
    with torch.no_grad():
        pd.delta.normal_()
        pd.gate.log_alpha[0].fill_(-10.)  # closes output channel 0
    x2 = x + torch.randn_like(x)
    ctx.threshold = 0.5
    out = run(ctx, layer, x2, 'depth')
    w = conv.weight + pd.deterministic()
    if side == 'input':  # the input delta is thresholded
        d = x2 - x
        x_eff = x + torch.where(d.abs() >= 0.5, d, torch.zeros_like(d))
        expect = F.conv2d(x_eff, w, conv.bias, padding=1)
    else:  # the output delta against the base task's output is
        dense = F.conv2d(x2, w, conv.bias, padding=1)
        expect = torch.where((dense - ref).abs() >= 0.5, dense, ref)
        assert ((out == ref) & (dense != ref)).any()
    torch.testing.assert_close(out, expect)
    assert torch.equal(pd.deterministic()[0], torch.zeros_like(w[0]))
    # without a context the layer is the plain base convolution
    layer.set_sharing_context(None)
    assert torch.equal(layer(x), ref)


def test_linear_zero_delta_and_base_keys():
    lin = nn.Linear(5, 7)
    x = torch.randn(3, 4, 5)
    ctx = SharingContext('seg', ['depth', 'edge'])
    layer = DeltaLinear.from_module(lin, 'l', ['depth', 'edge'], ctx).eval()
    keys = set(layer.state_dict())
    assert {'weight', 'bias'} <= keys
    assert 'deltas.edge.bias.gate.log_alpha' in keys
    ctx.begin_forward()
    base = run(ctx, layer, x, None)
    torch.testing.assert_close(base, lin(x))
    assert torch.equal(run(ctx, layer, x, 'edge'), base)


@pytest.mark.parametrize('batch_first', [False, True])
def test_attention_matches_torch(batch_first):
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(16, 4, batch_first=batch_first).eval()
    x = torch.randn(5, 2, 16)
    with torch.no_grad():
        ref = mha(x, x, x)[0]
    ctx = SharingContext('seg', ['depth'])
    layer = DeltaMultiheadAttention.from_module(mha, 'a', ['depth'],
                                                ctx).eval()
    assert set(layer.state_dict()) >= set(mha.state_dict())
    ctx.begin_forward()
    out = run(ctx, lambda t: layer(t, t, t)[0], x, None)
    torch.testing.assert_close(out, ref)
    assert torch.equal(run(ctx, lambda t: layer(t, t, t)[0], x, 'depth'),
                       out)
    kinds = [(r['key'], r['kind']) for r in ctx.records]
    assert ('a.attention', 'unshared') in kinds
    assert ('a.out_proj', 'task') in kinds
    with pytest.raises(ValueError, match='self-attention'):
        layer(x, torch.randn_like(x), x)


def test_vit_zero_delta_reproduces_base_exactly(vit_cfg):
    torch.manual_seed(0)
    vit = MODELS.build(vit_cfg())
    vit.init_weights()
    vit.eval()
    x = torch.randn(2, 3, 32, 48)
    with torch.no_grad():
        ref = vit(x)
    model = Holder(copy.deepcopy(vit))
    ctx = SharingContext('seg', ['depth'])
    names = wrap_for_sharing(model, ['backbone.*'], ['depth'], ctx)
    assert 'backbone.layers.0.attn.attn' in names
    assert 'backbone.layers.1.ffn.layers.1' in names
    assert 'backbone.layers.0.attn.attn.out_proj' not in names
    assert 'backbone.layers.0.attn.attn.out_proj' in delta_layers(model)
    # the unwrapped network's state dict loads into the wrapped one
    missing, unexpected = model.backbone.load_state_dict(vit.state_dict(),
                                                         strict=False)
    assert not unexpected and all('.deltas.' in k for k in missing)
    model.eval()
    ctx.begin_forward()
    base = run(ctx, model.backbone, x, None)
    sub = run(ctx, model.backbone, x, 'depth')
    for r, b, s in zip(ref, base, sub):
        assert torch.equal(r, b) and torch.equal(b, s)
    assert all(r['eff_macs'] == 0 for r in ctx.records
               if r['task'] == 'depth' and r['kind'] == 'task')


def test_wrap_errors():
    ctx = SharingContext('seg', ['depth'])
    model = Holder(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)),
                   decoder=nn.Conv2d(4, 4, 1))
    with pytest.raises(ValueError, match='match no Conv2d'):
        wrap_for_sharing(model, ['backbone.7'], ['depth'], ctx)
    with pytest.raises(ValueError, match='task specific'):
        wrap_for_sharing(model, ['*'], ['depth'], ctx,
                         allowed_prefixes=('backbone', ))
    binary = Holder(nn.Sequential(BinaryConv2d(3, 4, 3)))
    with pytest.raises(TypeError, match='own forward'):
        wrap_for_sharing(binary, ['backbone.*'], ['depth'], ctx)
    mixed = Holder(nn.Sequential(BinaryConv2d(3, 4, 3), nn.Conv2d(4, 4, 1)))
    names = wrap_for_sharing(mixed, ['backbone.*'], ['depth'], ctx,
                             exclude=['backbone.0'])
    assert names == ['backbone.1']
    assert isinstance(mixed.backbone[1], DeltaConv2d)
    assert isinstance(model.backbone[0], nn.Conv2d)  # nothing half-wrapped
    with pytest.raises(KeyError, match='delta_cfg'):
        wrap_for_sharing(model, ['backbone.*'], ['depth'], ctx,
                         delta_cfg=dict(init_alpha=3))
