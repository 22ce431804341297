# Copyright (c) mmbin contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn
from mmseg.registry import MODELS

from mmbin.analysis import analyze_complexity
from mmbin.models.sharing import (SharingContext, dense_component_macs,
                                  effective_macs, summarize_records,
                                  wrap_for_sharing)


class Toy(nn.Module):
    """conv 2->4 (3x3, pad 1) -> ReLU -> conv 4->4 (1x1, stride 2)
    -> flatten tokens -> linear 4->3."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1, bias=False), nn.ReLU(),
            nn.Conv2d(4, 4, 1, stride=2, bias=False))
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        y = self.backbone(x)  # (N, 4, 2, 2)
        return self.head(y.flatten(2).transpose(1, 2))


def test_mac_accounting_on_a_toy_network():
    torch.manual_seed(0)
    toy = Toy()
    ctx = SharingContext('seg', ['depth'])
    wrap_for_sharing(toy, ['backbone.0', 'backbone.2', 'head'], ['depth'],
                     ctx, delta_cfg=dict(per_tensor=False))
    toy.eval()
    # hand counts for one 2x4x4 image
    dense = {'backbone.0': 4 * 4 * 4 * 2 * 9,  # Ho Wo Cout Cin k k = 1152
             'backbone.2': 2 * 2 * 4 * 4,  # 64
             'head': 4 * 4 * 3}  # 4 tokens x 4 x 3 = 48
    x = torch.randn(1, 2, 4, 4)
    # sub-task weights: conv0 2 of 72 entries, conv2 none, head 3 of 12
    pds = {n: toy.get_submodule(n).deltas['depth']['weight']
           for n in dense}
    with torch.no_grad():
        for name, idx in (('backbone.0', [(0, 0, 0, 0), (3, 1, 2, 2)]),
                          ('head', [(0, 0), (1, 1), (2, 3)])):
            for i in idx:
                pds[name].delta[i] = 1.0
    # the sub-task sees the image with 4 of its 32 entries changed by 1
    x_sub = x.clone()
    x_sub.view(-1)[[0, 5, 17, 30]] += 1.0
    ctx.threshold = 0.5
    with torch.no_grad():
        ctx.begin_forward()
        with ctx.task_scope(None):
            toy(x)
        with ctx.task_scope('depth'):
            toy(x_sub)
    recs = {(r['task'], r['key']): r for r in ctx.records}
    for name, d in dense.items():
        assert recs[('seg', name)]['dense_macs'] == d
        assert recs[('seg', name)]['eff_macs'] == d
    r = recs[('depth', 'backbone.0')]
    assert (r['nnz'], r['numel']) == (4, 32)
    assert r['eff_macs'] == pytest.approx(1152 * (4 / 32 + 2 / 72))
    for name in ('backbone.2', 'head'):
        r = recs[('depth', name)]
        rho_x = r['nnz'] / r['numel']
        rho_w = {'backbone.2': 0, 'head': 3 / 12}[name]
        assert r['eff_macs'] == pytest.approx(
            dense[name] * min(1.0, rho_x + rho_w))
    # the recorded dense MACs are mmengine's count of the network
    total = analyze_complexity(Toy(), x)
    assert total['flops'] == sum(dense.values())
    s = summarize_records(ctx.records)
    assert s['seg']['dense_macs'] == sum(dense.values())
    assert s['depth']['eff_macs'] < s['depth']['dense_macs']


def test_effective_macs_of_a_model(resnet_cfg):
    torch.manual_seed(0)
    model = MODELS.build(resnet_cfg(threshold=1e9)).eval()
    x = torch.randn(1, 3, 32, 32)
    comp = dense_component_macs(model, x)
    single = MODELS.build(resnet_cfg(tasks=('depth', ), shared=False)).eval()
    # encoder + one decoder = a single-task model
    assert comp['encoder'] + comp['decoders']['depth'] == \
        analyze_complexity(single, x)['flops']
    # a delta on the stem only: with an infinite threshold the sub-task
    # computes nothing but dW x on the stem
    stem = model.backbone.stem[0]
    pd = stem.deltas['depth']['weight']
    with torch.no_grad():
        pd.delta.view(-1)[:3] = 1.0
        model.forward_features(x)
    eff = effective_macs(comp, model.last_records)
    stem_dense = [r['dense_macs'] for r in model.last_records
                  if r['key'] == 'backbone.stem.0' and r['task'] == 'seg'][0]
    expect = stem_dense * 3 / stem.weight.numel()
    assert eff['depth']['encoder_effective'] == pytest.approx(expect)
    assert eff['depth']['effective'] == pytest.approx(
        expect + comp['decoders']['depth'])
    assert eff['seg']['effective'] == eff['seg']['dense']
    assert eff['normal']['encoder_effective'] == 0
