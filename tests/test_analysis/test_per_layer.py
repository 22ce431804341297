# Copyright (c) mmbin contributors. All rights reserved.
"""Per-layer complexity (Larq-style summary): hand-computed rows on a toy
model, totals equal to the per-component table on a real config, and the
get_flops tool's --per-layer outputs."""
import contextlib
import io
import json
import os.path as osp

import pytest
import torch
import torch.nn as nn
from _helpers.tool_runs import load_script

from mmbin.analysis import (PER_LAYER_KEYS, analyze_complexity,
                            config_complexity, per_layer_complexity,
                            per_layer_markdown, per_layer_table)
from mmbin.ops import RPReLU, ReActConv


class _Toy(nn.Module):
    """FP conv, BN, binary conv (RSign), RPReLU, pooling, linear, and a
    matmul with a parameter of the root module itself; ``aux`` never runs.
    """

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1, bias=False),
            nn.BatchNorm2d(4),
            ReActConv(4, 4, 3, padding=1, bias=False),
            RPReLU(4))
        self.head = nn.Linear(4, 10)
        self.proj = nn.Parameter(torch.ones(10, 3))
        self.aux = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.backbone(x).mean(dim=(2, 3))) @ self.proj


def _toy_result(**kwargs):
    torch.manual_seed(0)
    return per_layer_complexity(_Toy().eval(), torch.randn(1, 3, 8, 8),
                                **kwargs)


# name, type, input bits, weight bits, 1-bit params, 32-bit params, BOPs,
# FLOPs, in total; by hand for a 1x3x8x8 input (64 output pixels).
_EXPECTED = [
    ('', '_Toy', 32, 32, 0, 30, 0, 10 * 3, True),  # 1x10 @ 10x3
    ('backbone.0', 'Conv2d', 32, 32, 0, 4 * 3 * 9, 0, 4 * 3 * 9 * 64, True),
    ('backbone.1', 'BatchNorm2d', 32, 32, 0, 2 * 4, 0, 0, True),
    ('backbone.2', 'ReActConv', 1, 1, 4 * 4 * 9, 0, 4 * 4 * 9 * 64, 0, True),
    ('backbone.2.act_binarizer', 'RSign', 32, 32, 0, 4, 0, 0, True),
    ('backbone.3', 'RPReLU', 32, 32, 0, 3 * 4, 0, 0, True),
    ('head', 'Linear', 32, 32, 0, 4 * 10 + 10, 0, 4 * 10, True),
    ('aux', 'Linear', 32, 32, 0, 4 * 2 + 2, 0, 0, False),
]

_SNAPSHOT = """\
+--------------------------+-------------+-------------+--------------+--------------+---------------+--------------+-----------------+-----------------+
| Layer                    | Type        | Input (bit) | Weight (bit) | 1-bit params | 32-bit params | Memory (bit) | BOPs (bin MACs) | FLOPs (FP MACs) |
+--------------------------+-------------+-------------+--------------+--------------+---------------+--------------+-----------------+-----------------+
| (model)                  | _Toy        |          32 |           32 |            0 |            30 |          960 |               0 |              30 |
| backbone.0               | Conv2d      |          32 |           32 |            0 |           108 |         3456 |               0 |            6912 |
| backbone.1               | BatchNorm2d |          32 |           32 |            0 |             8 |          256 |               0 |               0 |
| backbone.2               | ReActConv   |           1 |            1 |          144 |             0 |          144 |            9216 |               0 |
| backbone.2.act_binarizer | RSign       |          32 |           32 |            0 |             4 |          128 |               0 |               0 |
| backbone.3               | RPReLU      |          32 |           32 |            0 |            12 |          384 |               0 |               0 |
| head                     | Linear      |          32 |           32 |            0 |            50 |         1600 |               0 |              40 |
| aux *                    | Linear      |          32 |           32 |            0 |            10 |          320 |               0 |               0 |
+--------------------------+-------------+-------------+--------------+--------------+---------------+--------------+-----------------+-----------------+
| Total                    |             |             |              |          144 |           212 |         6928 |            9216 |            6982 |
+--------------------------+-------------+-------------+--------------+--------------+---------------+--------------+-----------------+-----------------+
Totals are those of the component table. Memory: 1 bit per binary weight + 32 bits per other parameter; BOPs are MACs with binary input and weight, FLOPs all other counted ops (MACs of conv/linear/matmul only). * in a component the forward does not run, excluded from the totals."""  # noqa: E501


def test_toy_rows_by_hand():
    result = _toy_result()
    layers = result['layers']
    assert all(tuple(r) == PER_LAYER_KEYS for r in layers)
    got = [(r['name'], r['type'], r['input_bits'], r['weight_bits'],
            r['params_bin'], r['params_fp'], r['bops'], r['flops'],
            r['in_total']) for r in layers]
    assert got == _EXPECTED
    for r in layers:
        assert r['memory_bits'] == r['params_bin'] + 32 * r['params_fp']
        assert r['ops'] == r['bops'] / 64 + r['flops']
    assert [r['component'] for r in layers] == [
        'others'] + ['backbone'] * 5 + ['head', 'aux']
    # totals: the in-total rows, and the component table's totals
    for key in ('params_bin', 'params_fp', 'bops', 'flops'):
        assert result[key] == sum(r[key] for r in layers if r['in_total'])
    plain = analyze_complexity(_Toy().eval(), torch.randn(1, 3, 8, 8))
    assert {k: plain[k] for k in ('flops', 'bops', 'params_fp', 'params_bin')
            } == {k: result[k] for k in ('flops', 'bops', 'params_fp',
                                         'params_bin')}


def test_toy_table_snapshot():
    assert per_layer_table(_toy_result(), exact=True) == _SNAPSHOT


def test_toy_markdown():
    md = per_layer_markdown(_toy_result(), exact=True)
    lines = md.split('\n')
    assert lines[0].startswith('| Layer | Type | Input (bit) |')
    assert '| `backbone.2` | ReActConv | 1 | 1 | 144 | 0 | 144 | 9216 | 0 |' \
        in lines
    assert '| `aux` * | Linear | 32 | 32 | 0 | 10 | 320 | 0 | 0 |' in lines
    assert ('| **Total** |  |  |  | **144** | **212** | **6928** | **9216** '
            '| **6982** |') in lines
    assert len([x for x in lines if x.startswith('| ')]) == 1 + 8 + 1


def test_toy_include_uncalled_and_elementwise():
    result = _toy_result(include_uncalled=True, count_elementwise=True)
    rows = {r['name']: r for r in result['layers']}
    assert rows['aux']['in_total']
    assert result['params_fp'] == 212 + 10
    # eval-mode affine BN: 2 ops per element of its 4x8x8 input, as FLOPs;
    # the binary conv keeps its MACs as BOPs
    assert rows['backbone.1']['flops'] == 2 * 4 * 64
    assert rows['backbone.2']['bops'] == 9216
    assert result['flops'] == sum(r['flops'] for r in result['layers'])


def test_shared_module_counted_once():

    class Shared(nn.Module):

        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(2, 2, 1, bias=False)
            self.b = self.a  # the same module under a second name

        def forward(self, x):
            return self.b(self.a(x))

    result = per_layer_complexity(Shared().eval(), torch.randn(1, 2, 4, 4))
    assert [(r['name'], r['params_fp'], r['flops'])
            for r in result['layers']] == [('a', 4, 2 * 2 * 16 * 2)]
    assert result['flops'] == 2 * 2 * 16 * 2


def test_table_needs_layers():
    plain = analyze_complexity(_Toy().eval(), torch.randn(1, 3, 8, 8))
    with pytest.raises(KeyError, match='per_layer_table needs the result '
                       'of per_layer_complexity'):
        per_layer_table(plain)
    with pytest.raises(KeyError, match='per_layer_markdown needs'):
        per_layer_markdown(plain)


def _tool(repo_root):
    return load_script('tools/analysis/get_flops.py')


@pytest.fixture(scope='module')
def synthetic_cli(repo_root, tmp_path_factory):
    """get_flops --per-layer on the Bi-MTDP synthetic config at 48x64."""
    out = tmp_path_factory.mktemp('per_layer')
    cfg = osp.join(repo_root, 'configs', 'bimtdp', 'synthetic_r18.py')
    md, js = out / 'sub' / 'layers.md', out / 'sub' / 'result.json'
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        _tool(repo_root).main([
            cfg, '--shape', '48', '64', '--per-layer-md',
            str(md), '--json',
            str(js)
        ])
    return cfg, printed.getvalue(), md, js


def test_synthetic_totals_equal_component_table(synthetic_cli):
    cfg, _, _, js = synthetic_cli
    layers = json.loads(js.read_text())['layers']
    # an independent count without the per-layer split
    plain = config_complexity(cfg, (48, 64))
    keys = ('params_bin', 'params_fp', 'bops', 'flops')
    for comp, stats in plain['components'].items():
        rows = [r for r in layers if r['component'] == comp]
        assert rows, comp
        for key in keys:
            assert sum(r[key] for r in rows) == stats[key], (comp, key)
    for key in keys:
        assert sum(r[key] for r in layers if r['in_total']) == plain[key]
    # binary convolutions carry the BOPs, a binarizer's threshold is 32-bit
    types = {r['type'] for r in layers if r['bops']}
    assert types == {'ReActConv'}
    assert all(r['input_bits'] == 1 and r['weight_bits'] == 1
               for r in layers if r['bops'])
    assert all(r['params_bin'] == 0 and r['weight_bits'] == 32
               for r in layers if r['type'] in ('RSign', 'RPReLU',
                                                'BatchNorm2d'))


def test_synthetic_cli_outputs(synthetic_cli):
    _, printed, md, js = synthetic_cli
    data = json.loads(js.read_text())
    assert 'Per layer' in printed and 'backbone.layer1.0.conv1' in printed
    assert f'wrote {md}' in printed and f'wrote {js}' in printed
    text = md.read_text()
    assert text.startswith('| Layer | Type | Input (bit) | Weight (bit) |')
    assert '| `backbone.layer1.0.conv1` | ReActConv | 1 | 1 |' in text
    table_rows = [x for x in text.split('\n') if x.startswith('| ')]
    assert len(table_rows) == 1 + len(data['layers']) + 1
    assert '**Total**' in table_rows[-1]


def test_parse_args_md_implies_per_layer(repo_root):
    tool = _tool(repo_root)
    args = tool.parse_args(['c.py', '--shape', '8', '8'])
    assert not args.per_layer and args.per_layer_md is None
    args = tool.parse_args(['c.py', '--shape', '8', '8', '--per-layer-md',
                            'x.md'])
    assert args.per_layer and args.per_layer_md == 'x.md'
