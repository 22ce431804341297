# Copyright (c) mmbin contributors. All rights reserved.
"""Latency and model size of binary models on the CPU: PyTorch vs
OpenVINO, binary vs full-precision twin (``tools/deploy/benchmark.py``).

Variants (same weights): ``torch FP twin`` (every binary conv computes a
float conv, :func:`~.fp_twin.make_fp_twin`), ``torch binary (training
math)`` (sign and a float conv), ``OpenVINO FP twin`` and ``OpenVINO
binary`` (bit-packed ``BinaryConvolution``), both compiled with f32
precision. Latency is the median over ``runs`` timed calls at batch 1
after warm-up (:func:`mmbin.utils.timing.median_ms`), with
``torch.set_num_threads(t)`` / OpenVINO ``INFERENCE_NUM_THREADS=t``. Size
is the ``torch.save`` state dict or the IR (``.xml`` + ``.bin``). Weights
do not affect latency: without a checkpoint the models keep their
initialisation.

The deployment targets of docs/deployment.md for a multi-task model
(:func:`deployment_targets`): every binary conv on the u1 kernel; OpenVINO
binary >= 3x faster than the PyTorch FP twin and >= 2x than the OpenVINO FP
twin; IR >= 8x smaller than the FP twin's.
"""
import io
import json
import os
import os.path as osp
import tempfile
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from mmbin.utils import build_model_from_config, markdown_table
from mmbin.utils.timing import median_ms
from .bireal_classifier import BiRealClassifier
from .export import ExportWrapper, export_openvino, ir_size, save_exported
from .fp_twin import make_fp_twin
from .profiling import profile_node_types
from .runtime import binary_kernel_report, compile_model, read_export_info

__all__ = [
    'BENCHMARK_MODELS', 'state_dict_size', 'benchmark_model',
    'benchmark_table', 'deployment_targets', 'run_deploy_benchmark'
]

#: Models the benchmark knows: the Bi-Real-18 classifier and a multi-task
#: config.
BENCHMARK_MODELS = ('classifier', 'multitask')

_TORCH_FP, _TORCH_BIN = 'torch FP twin', 'torch binary (training math)'
_OV_FP, _OV_BIN = 'OpenVINO FP twin', 'OpenVINO binary'


def state_dict_size(model: nn.Module) -> int:
    """Bytes of ``torch.save(model.state_dict())``.

    Args:
        model (nn.Module): The model.

    Returns:
        int: Serialized size in bytes.
    """
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.tell()


def benchmark_model(name: str,
                    model: nn.Module,
                    input_shape: Sequence[int],
                    work_dir: str,
                    threads: Sequence[int] = (1, 2),
                    warmup: int = 3,
                    runs: int = 20,
                    torch_runs: Optional[int] = None,
                    profile: bool = False) -> dict:
    """Time and size the four variants of one model (progress printed).

    Args:
        name (str): Model name (also the IR sub-directory of ``work_dir``).
        model (nn.Module): The binary model.
        input_shape (Sequence[int]): ``(1, C, H, W)``.
        work_dir (str): Where the IRs are written.
        threads (Sequence[int]): Thread counts to time (each >= 1).
        warmup (int): Untimed calls per variant. Defaults to 3.
        runs (int): Timed calls of the OpenVINO variants. Defaults to 20.
        torch_runs (int, optional): Timed calls of the PyTorch variants
            (default: ``runs``).
        profile (bool): Print where the OpenVINO binary model spends its
            time (per node type, 1 thread).

    Returns:
        dict: ``model``, ``input_shape``, binary conv counts
        (``binary_convs``, ``binary_convs_on_u1``, ``unused_binary_convs``),
        ``u1_primitives`` and ``rows`` (variant -> ``size`` in bytes and
        ``ms`` per thread count).

    Raises:
        ValueError: If ``threads`` is empty or holds a count < 1.
    """
    if not threads or min(threads) < 1:
        raise ValueError(f'benchmark_model needs thread counts >= 1, got '
                         f'{list(threads)}')
    model = model.eval()
    twin = make_fp_twin(model).eval()
    x = torch.randn(*input_shape)
    torch_runs = torch_runs or runs
    print(f'\n[{name}] input {tuple(input_shape)}: exporting ...', flush=True)
    exported = export_openvino(model, input_shape)
    bin_xml = save_exported(exported, osp.join(work_dir, name, 'binary'))
    twin_xml = save_exported(
        export_openvino(twin, input_shape),
        osp.join(work_dir, name, 'fp_twin'))
    rows = {
        _TORCH_FP: dict(size=state_dict_size(twin), ms={}),
        _TORCH_BIN: dict(size=state_dict_size(model), ms={}),
        _OV_FP: dict(size=ir_size(twin_xml), ms={}),
        _OV_BIN: dict(size=ir_size(bin_xml), ms={}),
    }
    report = None
    xn = x.numpy()
    for t in threads:
        torch.set_num_threads(t)
        with torch.inference_mode():
            for key, m in ((_TORCH_FP, twin), (_TORCH_BIN, model)):
                f = ExportWrapper(m, input_shape)
                rows[key]['ms'][t] = median_ms(lambda: f(x), warmup,
                                               torch_runs)
                print(f'  {key}, {t} thread(s): {rows[key]["ms"][t]:.2f} ms',
                      flush=True)
        for key, xml in ((_OV_FP, twin_xml), (_OV_BIN, bin_xml)):
            compiled = compile_model(xml, num_threads=t)
            req = compiled.create_infer_request()
            rows[key]['ms'][t] = median_ms(lambda: req.infer([xn]), warmup,
                                           runs)
            print(f'  {key}, {t} thread(s): {rows[key]["ms"][t]:.2f} ms',
                  flush=True)
            if key == _OV_BIN and report is None:
                report = binary_kernel_report(
                    compiled, read_export_info(exported.ov_model))
    print('  ' + report.summary().replace('\n', '\n  '))
    if profile:
        print('  OpenVINO binary, time per node type:')
        print(profile_node_types(bin_xml, xn, runs))
    return dict(
        model=name,
        input_shape=list(input_shape),
        binary_convs=report.num_binary_layers,
        binary_convs_on_u1=len(report.on_u1),
        unused_binary_convs=len(report.unused_layers),
        u1_primitives=report.primitives,
        rows=rows)


def benchmark_table(result: dict, threads: Sequence[int]) -> str:
    """Markdown table of one model's results.

    Args:
        result (dict): From :func:`benchmark_model`.
        threads (Sequence[int]): Thread counts, in column order.

    Returns:
        str: The table (size, latency per thread count, speed-up vs the
        PyTorch FP twin).
    """
    rows = result['rows']
    base = rows[_TORCH_FP]['ms']
    header = (['variant', 'size (MB)'] +
              [f'{t} thread{"s" if t > 1 else ""} (ms)' for t in threads] +
              ['speed-up vs torch FP twin'])
    cells = []
    for key, r in rows.items():
        cells.append([key, f'{r["size"] / 1e6:.2f}'] +
                     [f'{r["ms"][t]:.1f}' for t in threads] +
                     [' / '.join(f'{base[t] / r["ms"][t]:.1f}x'
                                 for t in threads)])
    return markdown_table(header, cells)


def deployment_targets(result: dict,
                       threads: Sequence[int]) -> List[Tuple[str, bool, str]]:
    """The deployment targets of a multi-task model, checked.

    Args:
        result (dict): From :func:`benchmark_model`.
        threads (Sequence[int]): Thread counts measured.

    Returns:
        list[tuple[str, bool, str]]: (target, met, measured value).
    """
    rows = result['rows']
    ob, of, tf = rows[_OV_BIN], rows[_OV_FP], rows[_TORCH_FP]
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


def run_deploy_benchmark(models: Sequence[str] = BENCHMARK_MODELS,
                         mt_config: str = 'configs/bimtdp/nyud_r18.py',
                         mt_shape: Sequence[int] = (425, 560),
                         mt_checkpoint: Optional[str] = None,
                         cls_shape: Sequence[int] = (224, 224),
                         threads: Sequence[int] = (1, 2),
                         warmup: int = 3,
                         runs: int = 20,
                         torch_runs: Optional[int] = None,
                         profile: bool = False,
                         work_dir: Optional[str] = None,
                         json_out: Optional[str] = None) -> List[dict]:
    """Benchmark the chosen models, print the tables and the targets.

    Args:
        models (Sequence[str]): Any of :data:`BENCHMARK_MODELS`.
        mt_config (str): Multi-task config (default: Bi-MTDP on NYUD-v2).
        mt_shape (Sequence[int]): Multi-task input ``H, W`` (default: NYUD-v2
            evaluation size).
        mt_checkpoint (str, optional): Checkpoint of ``mt_config``.
        cls_shape (Sequence[int]): Classifier input ``H, W``.
        threads (Sequence[int]): Thread counts.
        warmup (int): Untimed calls per variant.
        runs (int): Timed calls (OpenVINO).
        torch_runs (int, optional): Timed calls (PyTorch; default ``runs``).
        profile (bool): Print the OpenVINO binary model's time per node
            type.
        work_dir (str, optional): Where the IRs are kept (default: a new
            temporary directory).
        json_out (str, optional): Write the results to this JSON file.

    Returns:
        list[dict]: One :func:`benchmark_model` result per model.

    Raises:
        ValueError: If ``models`` names an unknown model.
    """
    unknown = [m for m in models if m not in BENCHMARK_MODELS]
    if unknown:
        raise ValueError(f'unknown benchmark models {unknown}; choose from '
                         f'{list(BENCHMARK_MODELS)}')
    work_dir = work_dir or tempfile.mkdtemp(prefix='mmbin_bench_')
    kwargs = dict(
        work_dir=work_dir,
        threads=threads,
        warmup=warmup,
        runs=runs,
        torch_runs=torch_runs,
        profile=profile)
    results = []
    torch.manual_seed(0)
    if 'classifier' in models:
        results.append(
            benchmark_model('Bi-Real-18 classifier', BiRealClassifier(),
                            (1, 3, *cls_shape), **kwargs))
    if 'multitask' in models:
        model, _ = build_model_from_config(mt_config, mt_checkpoint)
        name = osp.splitext(osp.basename(mt_config))[0]
        results.append(
            benchmark_model(f'multi-task {name}', model, (1, 3, *mt_shape),
                            **kwargs))
    load = os.getloadavg()
    print(f'\nload average during the run: {load[0]:.2f} {load[1]:.2f} '
          f'{load[2]:.2f} ({os.cpu_count()} CPUs)')
    for res in results:
        print(f'\n### {res["model"]}, input {tuple(res["input_shape"])}, '
              f'batch 1, median of {runs} (torch: {torch_runs or runs})\n')
        print(benchmark_table(res, threads))
        print(f'\nbinary convs on the u1 kernel: {res["binary_convs_on_u1"]}/'
              f'{res["binary_convs"]} ({res["u1_primitives"]})')
        if res['model'].startswith('multi-task'):
            print('\ntargets:')
            for what, ok, value in deployment_targets(res, threads):
                print(f'  [{"met" if ok else "NOT met"}] {what}: {value}')
    if json_out:
        with open(json_out, 'w') as f:
            json.dump(
                dict(
                    results=results,
                    load_average=load,
                    threads=list(threads),
                    runs=runs),
                f,
                indent=2)
    return results
