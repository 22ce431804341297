# Copyright (c) mmbin contributors. All rights reserved.
"""Complexity accounting: exact counts on a tiny model, the published
ImageNet figures of ResNet-18 / Bi-Real-18 / ReActNet-18, and the
get_flops tool on a binarized mmseg config."""
import json
import os.path as osp
import runpy
import sys

import pytest
import torch
import torch.nn as nn
from mmseg.models.backbones import ResNet

from mmbin.analysis import analyze_complexity, complexity_table
from mmbin.models.backbones import BiResNet
from mmbin.ops import BiDenseConv, BinaryConv2d, BNNConv


class _Tiny(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1),  # FP
            BNNConv(4, 8, 3, padding=1, bias=False))  # binary x binary
        # binary weights, real activations: FLOPs but 1-bit weights
        self.neck = BinaryConv2d(
            8, 8, 1, act_binarizer=None,
            weight_binarizer=dict(type='XNORWeight'))
        self.head = nn.Linear(8 * 8 * 8, 10)
        self.aux = nn.Linear(4, 2)  # never called

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)).flatten(1))


def test_exact_counts_on_tiny_model():
    result = analyze_complexity(_Tiny().eval(), torch.randn(1, 3, 8, 8))
    comps = result['components']
    assert comps['backbone']['flops'] == 4 * 3 * 9 * 64
    assert comps['backbone']['bops'] == 8 * 4 * 9 * 64
    assert comps['neck']['flops'] == 8 * 8 * 64 and comps['neck']['bops'] == 0
    assert comps['head']['flops'] == 512 * 10
    assert result['flops'] == 6912 + 4096 + 5120
    assert result['bops'] == 18432
    assert result['ops'] == 18432 / 64 + 16128
    assert comps['backbone']['params_bin'] == 288
    assert comps['backbone']['params_fp'] == 108 + 4
    assert comps['neck']['params_bin'] == 64 and comps['neck']['params_fp'] \
        == 8
    assert result['params_bin'] == 352
    assert result['params_fp'] == 112 + 8 + 5130
    assert result['memory_mbit'] == pytest.approx((352 + 32 * 5250) / 1e6)
    assert result['memory_mb'] == pytest.approx(result['memory_mbit'] / 8)
    # the uncalled component is listed but not in the totals
    assert not comps['aux']['called'] and not comps['aux']['in_total']
    assert comps['aux']['params_fp'] == 10
    with_aux = analyze_complexity(
        _Tiny().eval(), torch.randn(1, 3, 8, 8), include_uncalled=True)
    assert with_aux['params_fp'] == result['params_fp'] + 10
    table = complexity_table(result)
    for word in ('backbone', 'neck', 'head', 'aux (not run, excluded)',
                 'Total', 'BOPs'):
        assert word in table


def test_bidense_norm_and_bypass_are_not_bops():
    model = nn.Sequential(BiDenseConv(4, 8, 3, stride=2, padding=1,
                                      bias=False)).eval()
    x = torch.randn(1, 4, 8, 8)
    default = analyze_complexity(model, x)
    assert default['bops'] == 8 * 4 * 9 * 16 and default['flops'] == 0
    full = analyze_complexity(model, x, count_elementwise=True)
    assert full['bops'] == default['bops']
    assert full['flops'] > 0  # batch norm of the binary conv, as FLOPs
    # DAB (k, b, a), BN (weight, bias) are FP parameters
    assert default['params_fp'] == 3 * 4 + 2 * 8
    assert default['params_bin'] == 8 * 4 * 9


class _ImageNetClassifier(nn.Module):
    """Backbone + global average pooling + FC 512 -> 1000 (test only)."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        return self.fc(self.backbone(x)[-1].mean(dim=(2, 3)))


def _imagenet(backbone):
    return analyze_complexity(
        _ImageNetClassifier(backbone).eval(), torch.randn(1, 3, 224, 224))


def _close(value, published, tol=0.03):
    return abs(value / published - 1) <= tol


def test_imagenet_fp_resnet18():
    r = _imagenet(ResNet(depth=18, out_indices=(3, )))
    assert r['bops'] == 0
    assert _close(r['flops'], 1.81e9), r['flops']
    assert _close(r['memory_mbit'], 374.1), r['memory_mbit']
    assert r['params_fp'] == 11689512  # torchvision resnet18


@pytest.mark.parametrize('variant', ['bireal', 'reactnet'])
def test_imagenet_bireal18_and_reactnet18(variant):
    conv_cfg, act_cfg = {
        'bireal': (dict(type='BiRealConv'), None),
        'reactnet': (dict(type='ReActConv'), dict(type='RPReLU')),
    }[variant]
    backbone = BiResNet(
        depth=18,
        deep_stem=False,  # 7x7 ImageNet stem, full precision
        out_indices=(3, ),
        conv_cfg=conv_cfg,
        act_cfg=act_cfg)
    r = _imagenet(backbone)
    assert _close(r['bops'], 1.68e9), r['bops']
    assert _close(r['flops'], 1.39e8), r['flops']
    assert _close(r['ops'], 1.63e8), r['ops']
    assert _close(r['memory_mbit'], 33.6), r['memory_mbit']


def _run_get_flops(repo_root, argv):
    script = osp.join(repo_root, 'tools', 'analysis', 'get_flops.py')
    old = sys.argv
    sys.argv = [script] + argv
    try:
        runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = old


def test_get_flops_tool_json(repo_root, tmp_path, capsys):
    cfg = osp.join(repo_root, 'configs', 'binarize_mmseg',
                   'fcn_bires18-d8_4xb2-80k_cityscapes-512x1024.py')
    out = tmp_path / 'bin.json'
    _run_get_flops(repo_root, [cfg, '--shape', '64', '64', '--json',
                               str(out)])
    printed = capsys.readouterr().out
    assert 'backbone' in printed and 'Total' in printed
    data = json.loads(out.read_text())
    for key in ('flops', 'bops', 'ops', 'params_fp', 'params_bin',
                'memory_mbit', 'components'):
        assert key in data
    comps = data['components']
    assert set(comps) == {'backbone', 'decode_head', 'auxiliary_head'}
    for comp in comps.values():
        for key in ('flops', 'bops', 'ops', 'params_fp', 'params_bin',
                    'memory_mbit'):
            assert key in comp
    assert comps['backbone']['bops'] > 0 and comps['decode_head']['bops'] > 0
    assert not comps['auxiliary_head']['in_total']
    assert data['bops'] == comps['backbone']['bops'] + \
        comps['decode_head']['bops']
    assert data['ops'] == pytest.approx(data['bops'] / 64 + data['flops'])

    fp_out = tmp_path / 'fp.json'
    _run_get_flops(repo_root, [
        'mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py', '--shape',
        '64', '64', '--json',
        str(fp_out)
    ])
    fp = json.loads(fp_out.read_text())
    assert fp['bops'] == 0 and fp['params_bin'] == 0
    # same MAC layout, but most MACs become BOPs: OPs and memory drop
    assert data['flops'] + data['bops'] == pytest.approx(
        fp['flops'], rel=0.01)
    assert data['ops'] < fp['ops'] / 4
    assert data['memory_mbit'] < fp['memory_mbit'] / 4
