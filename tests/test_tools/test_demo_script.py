# Copyright (c) mmbin contributors. All rights reserved.
"""``tools/misc/demo.py`` (what ``make demo`` runs) over
``mmbin.benchmark.demo``: its delta-m and table, and the whole pipeline at a
tiny size."""
import json
import math
import os
import os.path as osp
import subprocess

import pytest

from mmbin.benchmark import demo_delta_m, demo_table
from mmbin.evaluation.metrics import delta_m


def test_delta_m_skips_zero_baselines_on_request():
    base = {'seg/mIoU': 0.0, 'depth/rmse': 2.0}
    res = {'seg/mIoU': 5.0, 'depth/rmse': 1.0}
    with pytest.raises(ValueError, match="baseline 'seg/mIoU' is 0"):
        delta_m(res, base)
    # the zero term is left out; depth: lower is better, -50 % -> +50
    assert delta_m(res, base, skip_zero_baseline=True) == pytest.approx(50.0)
    assert math.isnan(
        delta_m(res, {'seg/mIoU': 0.0}, skip_zero_baseline=True))
    with pytest.raises(KeyError, match='no evaluated value'):
        delta_m({}, base, skip_zero_baseline=True)


def test_delta_m_and_table():
    base = {
        'seg/mIoU': 10.0,
        'depth/rmse': 1.0,
        'normal/mean': 20.0,
        'edge/odsF': 50.0
    }
    res = {
        'seg/mIoU': 8.0,
        'depth/rmse': 0.9,
        'normal/mean': 22.0,
        'edge/odsF': 55.0,
        'seg/aAcc': 1.0,  # not a headline metric: not a term
    }
    # (-20 + 10 - 10 + 10) / 4
    assert demo_delta_m(res, base) == pytest.approx(-2.5)
    # a zero baseline (untrained model) is left out of the mean
    assert demo_delta_m(res, dict(base, **{'seg/mIoU': 0.0})) == \
        pytest.approx((10 - 10 + 10) / 3)
    res['delta_m'] = -2.5
    table = demo_table([('Bi-MTDP', res, dict(ops=1.08e8,
                                              memory_mbit=25.4))],
                       (96, 128), {'Bi-MTDP': 800})
    assert table.splitlines() == [
        '| model | iters | mIoU ↑ | RMSE (m) ↓ | mErr (°) ↓ | odsF ↑ '
        '| Δm vs FP (%) | OPs (96x128) | memory (Mbit) |',
        '|' + '---|' * 9,
        '| Bi-MTDP | 800 | 8.00 | 0.900 | 22.00 | 55.00 | -2.50 '
        '| 0.108 G | 25.4 |'
    ]


def test_tiny_demo_end_to_end(repo_root, python_exe, tmp_path):
    work, data = str(tmp_path / 'demo'), str(tmp_path / 'data')
    proc = subprocess.run([
        python_exe, 'tools/misc/demo.py', '--fp-iters', '2', '--bi-iters',
        '2', '--num-train', '8', '--num-val', '2', '--size', '48', '64',
        '--data-root', data, '--work-dir', work
    ],
                          cwd=repo_root,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert '| Bi-MTDP | 2 |' in proc.stdout
    with open(osp.join(work, 'results.json')) as f:
        res = json.load(f)
    assert set(res) == {'FP teacher', 'Bi-MTDP'}
    assert res['FP teacher']['metrics']['delta_m'] == 0.0
    # binary: several times fewer OPs and less weight memory
    assert res['Bi-MTDP']['ops'] < res['FP teacher']['ops'] / 3
    assert res['Bi-MTDP']['memory_mbit'] < \
        res['FP teacher']['memory_mbit'] / 5
    with open(osp.join(work, 'results.md')) as f:
        assert '| FP teacher | 2 |' in f.read()
    # one prediction picture per validation scene and model
    for name in ('synthetic_r18_fp', 'synthetic_r18'):
        pics = osp.join(work, name, 'test', 'vis', 'vis_data', 'vis_image')
        assert len([p for p in os.listdir(pics) if p.endswith('.png')]) == 2
