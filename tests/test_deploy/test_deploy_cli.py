# Copyright (c) mmbin contributors. All rights reserved.
"""The deploy tools' numeric arguments, and the package functions behind
the tools that need no trained model: the benchmark of a small Bi-Real
classifier, its table and targets, the export tool's exit status and the
metrics comparison of test_openvino.py."""
import json
import os.path as osp

import pytest
import torch
from _helpers.tool_runs import load_script

pytest.importorskip('openvino')

from mmbin.deploy import (BiRealClassifier,  # noqa: E402
                          BinaryKernelReport, benchmark_table,
                          deployment_targets, kernel_exit_status,
                          metrics_side_by_side, network_input_shape,
                          row_labels, run_deploy_benchmark, timing_stats)


def _tool(repo_root, name):
    return load_script(f'tools/deploy/{name}.py')


def test_benchmark_defaults_unchanged(repo_root):
    args = _tool(repo_root, 'benchmark').parse_args([])
    assert args.models == ['classifier', 'multitask']
    assert args.mt_config == 'configs/bimtdp/nyud_r18.py'
    assert tuple(args.mt_shape) == (425, 560)
    assert tuple(args.cls_shape) == (224, 224)
    assert args.threads == [1, 2]
    assert (args.warmup, args.runs, args.torch_runs) == (3, 20, None)
    assert args.fp_config is None and args.fp_checkpoint is None
    assert not args.no_alternatives and args.calib_images == 16
    args = _tool(repo_root, 'benchmark').parse_args(
        ['--warmup', '0', '--threads', '4', '--torch-runs', '5'])
    assert (args.warmup, args.threads, args.torch_runs) == (0, [4], 5)


@pytest.mark.parametrize('tool, argv, message', [
    ('benchmark', ['--threads', '-1'], 'argument --threads: must be an '
     "integer >= 1, got '-1'"),
    ('benchmark', ['--threads', '1', '0'], 'argument --threads: must be an '
     "integer >= 1, got '0'"),
    ('benchmark', ['--warmup', '-1'], 'argument --warmup: must be an integer '
     ">= 0, got '-1'"),
    ('benchmark', ['--runs', '0'], 'argument --runs: must be an integer >= '
     "1, got '0'"),
    ('benchmark', ['--torch-runs', '0'], 'argument --torch-runs: must be an '
     "integer >= 1, got '0'"),
    ('benchmark', ['--mt-shape', '0', '560'], 'argument --mt-shape: must be '
     "an integer >= 1, got '0'"),
    ('benchmark', ['--cls-shape', '224', 'x'], 'argument --cls-shape: must '
     "be an integer >= 1, got 'x'"),
    ('benchmark', ['--calib-images', '0'], 'argument --calib-images: must '
     "be an integer >= 1, got '0'"),
    ('test_openvino', ['c.py', 'ir', '--batch-size', '0'], 'argument '
     "--batch-size: must be an integer >= 1, got '0'"),
    ('export_openvino', ['c.py', 'c.pth', '--out', 'o', '--shape', '0',
                         '64'], 'argument --shape: must be an integer >= 1, '
     "got '0'"),
    ('export_openvino', ['c.py', 'c.pth', '--out', 'o', '--shape', '64',
                         '64', '--threads', '0'], 'argument --threads: must '
     "be an integer >= 1, got '0'"),
    ('test_openvino', ['c.py', 'ir', '--threads', '-2'], 'argument '
     "--threads: must be an integer >= 1, got '-2'"),
])
def test_bad_numbers_are_usage_errors(repo_root, capsys, tool, argv,
                                      message):
    with pytest.raises(SystemExit) as exit_info:
        _tool(repo_root, tool).parse_args(argv)
    assert exit_info.value.code == 2
    assert f'error: {message}' in capsys.readouterr().err


def test_export_and_test_tool_arguments(repo_root):
    args = _tool(repo_root, 'export_openvino').parse_args(
        ['c.py', 'c.pth', '--shape', '48', '64', '--out', 'o'])
    assert args.shape == [48, 64] and args.threads is None
    assert not (args.allow_float or args.fp_twin or args.no_check)
    args = _tool(repo_root, 'test_openvino').parse_args(
        ['c.py', 'ir', '--threads', '2', '--cfg-options', 'a=1'])
    assert args.threads == 2 and args.cfg_options == {'a': 1}


def test_benchmark_table_and_targets():
    result = dict(
        binary_convs=3,
        binary_convs_on_u1=3,
        rows={
            'torch FP twin': dict(size=8e6, ms={1: 12.0, 2: 8.0}),
            'torch binary (training math)': dict(size=8e6, ms={1: 24.0,
                                                               2: 16.0}),
            'OpenVINO FP twin': dict(size=8e6, ms={1: 6.0, 2: 4.0}),
            'OpenVINO binary': dict(size=1e6, ms={1: 2.0, 2: 4.0}),
        })
    table = benchmark_table(result, [1, 2]).splitlines()
    assert table[0] == ('| variant | size (MB) | 1 thread (ms) | 2 threads '
                        '(ms) | speed-up vs torch FP twin |')
    assert table[1] == '|---|---|---|---|---|'
    assert table[3] == ('| torch binary (training math) | 8.00 | 24.0 | '
                        '16.0 | 0.5x / 0.5x |')
    assert table[5] == '| OpenVINO binary | 1.00 | 2.0 | 4.0 | 6.0x / 2.0x |'
    targets = {what: (ok, v) for what, ok, v in
               deployment_targets(result, [1, 2])}
    assert targets['every binary conv on the u1 kernel'] == (True, '3/3')
    fast = '>= 3x faster than the torch FP twin'
    assert targets[f'{fast} (1 thr)'] == (True, '6.0x')
    assert targets[f'{fast} (2 thr)'] == (False, '2.0x')
    assert targets['>= 2x faster than the OpenVINO FP twin (2 thr)'] == (
        False, '1.0x')
    assert targets['IR >= 8x smaller than the FP twin IR'] == (True, '8.0x')


def test_benchmark_table_alternatives_spread_and_accuracy():
    labels = row_labels()
    rows = {
        labels['torch_fp']: dict(role='torch_fp', size=8e6,
                                 ms={1: 12.0}, iqr={1: [11.5, 12.5]}),
        labels['ov_fp']: dict(role='ov_fp', size=8e6, ms={1: 6.0}),
        labels['ov_bin']: dict(role='ov_bin', size=1e6, ms={1: 3.0}),
        labels['ov_fp_int8']: dict(role='ov_fp_int8', size=2e6,
                                   ms={1: 4.0}),
        labels['ov_bin_int8']: dict(role='ov_bin_int8', size=1.2e6,
                                    ms={1: 1.5}),
        labels['ort_fp_int8']: dict(role='ort_fp_int8', error='no kernel'),
    }
    result = dict(binary_convs=3, binary_convs_on_u1=3,
                  binary_convs_on_u1_int8=2, labels=labels, rows=rows,
                  accuracy=dict(baseline='torch FP twin',
                                keys=['seg/mIoU'],
                                rows=dict(ov_fp_int8=dict(
                                    delta_m=-1.234,
                                    metrics={'seg/mIoU': 41.5}))))
    table = benchmark_table(result, [1]).splitlines()
    assert table[0].endswith('| Δm vs torch FP twin (%) | seg/mIoU |')
    assert table[2] == ('| torch FP twin | 8.00 | 12.0 (11.5-12.5) | 1.0x '
                        '| - | - |')
    assert table[5] == ('| OpenVINO FP twin, int8 (NNCF) | 2.00 | 4.0 | '
                        '3.0x | -1.23 | 41.5 |')
    assert table[7] == ('| ONNX Runtime FP twin, int8 (QDQ) (failed: no '
                        'kernel) | - | failed | - | - | - |')
    targets = {what: (ok, v) for what, ok, v in
               deployment_targets(result, [1])}
    # the faster binary variant (binary + int8, 1.5 ms) against int8, 4 ms
    assert targets['>= 2x faster than the OpenVINO FP twin int8 (1 thr)'] \
        == (True, '2.67x (OpenVINO binary + int8 (NNCF))')
    assert targets['every binary conv on the u1 kernel with int8 float '
                   'layers'] == (False, '2/3')


def test_timing_stats():
    assert timing_stats([5.0]) == (5.0, 5.0, 5.0)
    assert timing_stats([1.0, 2.0, 3.0, 4.0, 100.0]) == (3.0, 2.0, 4.0)
    with pytest.raises(ValueError, match='at least one'):
        timing_stats([])


def test_run_deploy_benchmark(tmp_path, capsys, monkeypatch):
    """The whole benchmark on a narrow Bi-Real-18 (the real one is 8x
    wider; the export of both variants dominates the time)."""
    import mmbin.deploy.benchmark as bench_module
    with pytest.raises(ValueError, match="unknown benchmark models.*'cls'"):
        run_deploy_benchmark(models=['cls'])
    monkeypatch.setattr(
        bench_module, 'BiRealClassifier',
        lambda: BiRealClassifier(num_classes=10, base_channels=16))
    out = tmp_path / 'bench.json'
    results = run_deploy_benchmark(
        models=['classifier'],
        cls_shape=(64, 64),
        threads=[1],
        warmup=0,
        runs=2,
        profile=True,
        work_dir=str(tmp_path / 'ir'),
        json_out=str(out))
    printed = capsys.readouterr().out
    assert len(results) == 1
    res = results[0]
    rows = res['rows']
    assert list(rows) == [
        'torch FP twin', 'torch binary (training math)', 'OpenVINO FP twin',
        'OpenVINO binary'
    ]
    for r in rows.values():
        assert list(r['ms']) == [1] and r['ms'][1] > 0
    # binary weights are stored at 1 bit in the IR: the binary IR is much
    # smaller than the FP twin's; the PyTorch state dicts hold the same
    # float tensors
    assert rows['OpenVINO FP twin']['size'] > 4 * rows['OpenVINO binary'][
        'size']
    assert abs(rows['torch FP twin']['size'] -
               rows['torch binary (training math)']['size']) < 1e4
    assert res['binary_convs'] == res['binary_convs_on_u1'] == 16
    assert res['input_shape'] == [1, 3, 64, 64]

    assert '### Bi-Real-18 classifier, input (1, 3, 64, 64)' in printed
    assert '| OpenVINO binary |' in printed
    assert 'binary convs on the u1 kernel: 16/16' in printed
    assert 'OpenVINO binary, time per node type:' in printed
    assert 'BinaryConvolution' in printed
    data = json.loads(out.read_text())
    assert data['threads'] == [1] and data['runs'] == 2
    assert data['results'][0]['rows']['OpenVINO binary']['size'] == \
        rows['OpenVINO binary']['size']
    assert osp.isfile(tmp_path / 'ir' / 'Bi-Real-18 classifier' / 'binary' /
                      'model.xml')


def test_kernel_exit_status(capsys):
    ok = BinaryKernelReport(num_binary_layers=1, on_u1=['a'])
    assert kernel_exit_status(ok) == 0
    floats = BinaryKernelReport(
        num_binary_layers=1, float_layers=[('a', 'BiDenseConv', 'why')])
    assert kernel_exit_status(floats, allow_float=True) == 0
    assert 'warning' in capsys.readouterr().out
    assert kernel_exit_status(floats, allow_float=False) == 1
    assert 'float fallback: a (BiDenseConv): why' in capsys.readouterr().err
    not_u1 = BinaryKernelReport(
        num_binary_layers=1, not_on_u1=[('a', 'runs as ref in f32')])
    assert kernel_exit_status(not_u1, allow_float=True) == 1
    assert 'NOT on u1: a: runs as ref in f32' in capsys.readouterr().err


def test_metrics_side_by_side_and_input_shape():
    text = metrics_side_by_side({'seg/mIoU': 50.0, 'only_pt': 1.0}, {
        'seg/mIoU': 49.98765,
        'depth/rmse': 0.5
    })
    assert text.splitlines() == [
        'metric       PyTorch    OpenVINO',
        'seg/mIoU     50.0000     49.9877',
    ]

    class Net(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone = torch.nn.Module()
            self.backbone.in_channels = 4

    assert network_input_shape(Net(), (48, 64)) == (1, 4, 48, 64)
    assert network_input_shape(torch.nn.Conv2d(3, 3, 1),
                               [8, 9]) == (1, 3, 8, 9)
