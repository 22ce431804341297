# Copyright (c) mmbin contributors. All rights reserved.
"""Latency and model size of binary models on the CPU: PyTorch vs
OpenVINO, binary vs full-precision twin.

Usage::

    python tools/deploy/benchmark.py [--models classifier multitask] \\
        [--mt-config configs/bimtdp/nyud_r18.py] [--mt-shape 425 560] \\
        [--mt-checkpoint CKPT] [--threads 1 2] [--runs 20] \\
        [--torch-runs 5] [--json OUT]

Models:

- ``classifier``: Bi-Real-18 at 224x224 (``BiResNet`` depth 18 with the
  7x7 stem, ``BiRealConv`` blocks without activation, FP 1x1 shortcuts,
  global pooling and an FP 1000-way FC), comparable with the published
  Bi-Real Net figures;
- ``multitask``: a multi-task config (default: Bi-MTDP on NYUD-v2,
  ``configs/bimtdp/nyud_r18.py``) at its evaluation input size (NYUD-v2's
  425x560 images are evaluated unresized); the timed function is the
  segmentor's ``encode_decode`` (all task predictions at the input size).

Variants (same weights): ``torch FP twin`` (every binary conv computes a
float conv, :func:`mmbin.deploy.make_fp_twin`), ``torch binary`` (the
training math: sign and a float conv), ``OpenVINO FP twin`` and
``OpenVINO binary`` (bit-packed ``BinaryConvolution``), both compiled with
f32 precision. Latency is the median over ``--runs`` timed calls at batch 1
after warm-up, with ``torch.set_num_threads(t)`` / OpenVINO
``INFERENCE_NUM_THREADS=t``. Size is the ``torch.save`` state dict or the
IR (``.xml`` + ``.bin``). Weights do not affect latency: without a
checkpoint the models keep their initialisation.

The tool also checks, in the compiled runtime graph, that every binary
conv runs on the u1 kernel, and prints whether the targets of
docs/deployment.md are met (multi-task: OpenVINO binary >= 3x faster than
the PyTorch FP twin and >= 2x than the OpenVINO FP twin; IR >= 8x smaller
than the FP twin's).
"""
import argparse
import io
import json
import os
import os.path as osp
import statistics
import tempfile
import time

import torch
import torch.nn as nn


def parse_args():
    parser = argparse.ArgumentParser(
        description='Benchmark binary models: PyTorch vs OpenVINO')
    parser.add_argument(
        '--models',
        nargs='+',
        default=['classifier', 'multitask'],
        choices=['classifier', 'multitask'])
    parser.add_argument(
        '--mt-config',
        default='configs/bimtdp/nyud_r18.py',
        help='multi-task config (default: Bi-MTDP on NYUD-v2)')
    parser.add_argument(
        '--mt-shape',
        type=int,
        nargs=2,
        default=(425, 560),
        metavar=('H', 'W'),
        help='multi-task input size (default: 425 560, NYUD-v2 evaluation)')
    parser.add_argument(
        '--mt-checkpoint', help='optional checkpoint of --mt-config')
    parser.add_argument(
        '--cls-shape',
        type=int,
        nargs=2,
        default=(224, 224),
        metavar=('H', 'W'),
        help='classifier input size (default: 224 224)')
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument(
        '--warmup', type=int, default=3, help='untimed calls per variant')
    parser.add_argument(
        '--runs', type=int, default=20, help='timed calls (OpenVINO)')
    parser.add_argument(
        '--torch-runs',
        type=int,
        default=None,
        help='timed calls for the PyTorch variants (default: --runs)')
    parser.add_argument(
        '--profile',
        action='store_true',
        help='print where the OpenVINO binary model spends its time (per '
        'node type, 1 thread)')
    parser.add_argument('--json', help='write the results to this file')
    parser.add_argument(
        '--work-dir',
        help='where to keep the IRs (default: a temporary directory)')
    return parser.parse_args()


class BiRealClassifier(nn.Module):
    """Bi-Real-18 ImageNet classifier: ``BiResNet`` (7x7 stem, Bi-Real
    blocks, FP shortcuts) + global average pooling + FP FC."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        from mmbin.models.backbones import BiResNet
        self.backbone = BiResNet(
            depth=18,
            deep_stem=False,
            out_indices=(3, ),
            conv_cfg=dict(type='BiRealConv'),
            act_cfg=None)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        return self.fc(self.backbone(x)[-1].mean(dim=(2, 3)))


def _median_ms(fn, warmup: int, runs: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def profile(xml: str, x, runs: int) -> str:
    """Time per runtime node type (layer type and implementation) of an
    IR, 1 thread, mean over ``runs`` calls."""
    from collections import Counter

    from mmbin.deploy import compile_model
    req = compile_model(xml, num_threads=1, perf_count=True) \
        .create_infer_request()
    for _ in range(3):
        req.infer([x])
    acc, count = Counter(), Counter()
    for _ in range(runs):
        req.infer([x])
        for p in req.profiling_info:
            key = f'{p.node_type} ({p.exec_type})'
            acc[key] += p.real_time.total_seconds() * 1e3 / runs
            count[key] += 1 / runs
    total = sum(acc.values())
    lines = [f'  {v:7.2f} ms {100 * v / total:5.1f}%  {k} x{round(count[k])}'
             for k, v in acc.most_common(10)]
    return f'  total {total:.2f} ms (sum of nodes)\n' + '\n'.join(lines)


def _torch_size(model: nn.Module) -> int:
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.tell()


def _ir_size(xml: str) -> int:
    return os.path.getsize(xml) + os.path.getsize(xml[:-4] + '.bin')


def bench_model(name, model, shape, args, work_dir):
    """Time and size the four variants of one model.

    Returns:
        dict: Results (sizes in bytes, latencies in ms per thread count).
    """
    from mmbin.deploy import (ExportWrapper, binary_kernel_report,
                              compile_model, export_openvino, make_fp_twin,
                              read_export_info, save_exported)
    model = model.eval()
    twin = make_fp_twin(model).eval()
    x = torch.randn(*shape)
    torch_runs = args.torch_runs or args.runs
    print(f'\n[{name}] input {tuple(shape)}: exporting ...', flush=True)
    exported = export_openvino(model, shape)
    bin_xml = save_exported(exported, osp.join(work_dir, name, 'binary'))
    twin_xml = save_exported(
        export_openvino(twin, shape), osp.join(work_dir, name, 'fp_twin'))
    rows = {
        'torch FP twin': dict(size=_torch_size(twin), ms={}),
        'torch binary (training math)': dict(size=_torch_size(model), ms={}),
        'OpenVINO FP twin': dict(size=_ir_size(twin_xml), ms={}),
        'OpenVINO binary': dict(size=_ir_size(bin_xml), ms={}),
    }
    report = None
    xn = x.numpy()
    for t in args.threads:
        torch.set_num_threads(t)
        with torch.inference_mode():
            for key, m in (('torch FP twin', twin),
                           ('torch binary (training math)', model)):
                f = ExportWrapper(m, shape)
                rows[key]['ms'][t] = _median_ms(lambda: f(x), args.warmup,
                                                torch_runs)
                print(f'  {key}, {t} thread(s): {rows[key]["ms"][t]:.2f} ms',
                      flush=True)
        for key, xml in (('OpenVINO FP twin', twin_xml), ('OpenVINO binary',
                                                          bin_xml)):
            compiled = compile_model(xml, num_threads=t)
            req = compiled.create_infer_request()
            rows[key]['ms'][t] = _median_ms(lambda: req.infer([xn]),
                                            args.warmup, args.runs)
            print(f'  {key}, {t} thread(s): {rows[key]["ms"][t]:.2f} ms',
                  flush=True)
            if key == 'OpenVINO binary' and report is None:
                report = binary_kernel_report(
                    compiled, read_export_info(exported.ov_model))
    print('  ' + report.summary().replace('\n', '\n  '))
    if args.profile:
        print('  OpenVINO binary, time per node type:')
        print(profile(bin_xml, xn, args.runs))
    return dict(
        model=name,
        input_shape=list(shape),
        binary_convs=report.num_binary_layers,
        binary_convs_on_u1=len(report.on_u1),
        unused_binary_convs=len(report.unused_layers),
        u1_primitives=report.primitives,
        rows=rows)


def table(result, threads) -> str:
    """Markdown table of one model's results."""
    rows = result['rows']
    base = rows['torch FP twin']['ms']
    head = ('| variant | size (MB) | ' +
            ' | '.join(f'{t} thread{"s" if t > 1 else ""} (ms)'
                       for t in threads) + ' | speed-up vs torch FP twin |')
    lines = [head, '|' + '---|' * (3 + len(threads))]
    for key, r in rows.items():
        ms = ' | '.join(f'{r["ms"][t]:.1f}' for t in threads)
        sp = ' / '.join(f'{base[t] / r["ms"][t]:.1f}x' for t in threads)
        lines.append(f'| {key} | {r["size"] / 1e6:.2f} | {ms} | {sp} |')
    return '\n'.join(lines)


def targets(result, threads) -> list:
    """The deployment targets for the multi-task model."""
    rows = result['rows']
    ob, of = rows['OpenVINO binary'], rows['OpenVINO FP twin']
    tf = rows['torch FP twin']
    out = [('every binary conv on the u1 kernel',
            result['binary_convs_on_u1'] == result['binary_convs'],
            f'{result["binary_convs_on_u1"]}/{result["binary_convs"]}')]
    for t in threads:
        s1 = tf['ms'][t] / ob['ms'][t]
        s2 = of['ms'][t] / ob['ms'][t]
        out.append((f'>= 3x faster than the torch FP twin ({t} thr)',
                    s1 >= 3, f'{s1:.1f}x'))
        out.append((f'>= 2x faster than the OpenVINO FP twin ({t} thr)',
                    s2 >= 2, f'{s2:.1f}x'))
    ratio = of['size'] / ob['size']
    out.append(('IR >= 8x smaller than the FP twin IR', ratio >= 8,
                f'{ratio:.1f}x'))
    return out


def main():
    args = parse_args()
    import mmbin  # noqa: F401
    try:
        import mmbin.deploy  # noqa: F401
    except ImportError as err:
        raise SystemExit(str(err))
    from mmbin.deploy import build_model_from_config
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='mmbin_bench_')
    results = []
    torch.manual_seed(0)
    if 'classifier' in args.models:
        results.append(
            bench_model('Bi-Real-18 classifier', BiRealClassifier(),
                        (1, 3, *args.cls_shape), args, work_dir))
    if 'multitask' in args.models:
        model, _ = build_model_from_config(args.mt_config, args.mt_checkpoint)
        name = osp.splitext(osp.basename(args.mt_config))[0]
        results.append(
            bench_model(f'multi-task {name}', model, (1, 3, *args.mt_shape),
                        args, work_dir))
    load = os.getloadavg()
    print(f'\nload average during the run: {load[0]:.2f} {load[1]:.2f} '
          f'{load[2]:.2f} ({os.cpu_count()} CPUs)')
    for res in results:
        print(f'\n### {res["model"]}, input {tuple(res["input_shape"])}, '
              f'batch 1, median of {args.runs} (torch: '
              f'{args.torch_runs or args.runs})\n')
        print(table(res, args.threads))
        print(f'\nbinary convs on the u1 kernel: {res["binary_convs_on_u1"]}/'
              f'{res["binary_convs"]} ({res["u1_primitives"]})')
        if res['model'].startswith('multi-task'):
            print('\ntargets:')
            for what, ok, value in targets(res, args.threads):
                print(f'  [{"met" if ok else "NOT met"}] {what}: {value}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(
                    results=results,
                    load_average=load,
                    threads=args.threads,
                    runs=args.runs),
                f,
                indent=2)


if __name__ == '__main__':
    main()
