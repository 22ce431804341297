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
import statistics
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from mmbin.utils import build_model_from_config, markdown_table
from mmbin.utils.timing import time_calls
from .bireal_classifier import BiRealClassifier
from .export import ExportWrapper, export_openvino, ir_size, save_exported
from .fp_twin import make_fp_twin
from .profiling import profile_node_types
from .runtime import (binary_kernel_report, compile_model, read_export_info,
                      runtime_precision)

__all__ = [
    'BENCHMARK_MODELS', 'ROLES', 'state_dict_size', 'benchmark_model',
    'benchmark_table', 'deployment_targets', 'run_deploy_benchmark',
    'row_labels', 'timing_stats'
]

#: Models the benchmark knows: the Bi-Real-18 classifier and a multi-task
#: config.
BENCHMARK_MODELS = ('classifier', 'multitask')

#: Row roles, in table order: the four binary-vs-float rows, then what a
#: user would deploy instead of a binary model (int8 with NNCF, ONNX
#: Runtime fp32 and int8) and the binary model with int8 on its remaining
#: float layers.
ROLES = ('torch_fp', 'torch_bin', 'ov_fp', 'ov_bin', 'ov_fp_bf16',
         'ov_bin_bf16', 'ov_fp_int8', 'ov_bin_int8', 'ort_fp', 'ort_fp_int8')
_ALTERNATIVES = ('ov_fp_int8', 'ov_bin_int8', 'ort_fp', 'ort_fp_int8')
#: Rows that run the fp32 IRs with OpenVINO's bf16 inference precision
#: hint: role -> the role whose IR they run.
_BF16 = dict(ov_fp_bf16='ov_fp', ov_bin_bf16='ov_bin')
_BINARY_ROLES = ('torch_bin', 'ov_bin', 'ov_bin_bf16', 'ov_bin_int8')


def row_labels(fp_label: str = 'FP twin') -> Dict[str, str]:
    """Row titles by role.

    Args:
        fp_label (str): Name of the full-precision model (``'FP twin'``: the
            binary model with float convolutions; ``'FP'``: a separately
            configured FP model).

    Returns:
        dict[str, str]: Role -> title.
    """
    return dict(
        torch_fp=f'torch {fp_label}',
        torch_bin='torch binary (training math)',
        ov_fp=f'OpenVINO {fp_label}',
        ov_bin='OpenVINO binary',
        ov_fp_bf16=f'OpenVINO {fp_label}, bf16 hint',
        ov_bin_bf16='OpenVINO binary, bf16 hint',
        ov_fp_int8=f'OpenVINO {fp_label}, int8 (NNCF)',
        ov_bin_int8='OpenVINO binary + int8 (NNCF)',
        ort_fp=f'ONNX Runtime {fp_label}',
        ort_fp_int8=f'ONNX Runtime {fp_label}, int8 (QDQ)')


def timing_stats(times: Sequence[float]) -> Tuple[float, float, float]:
    """Median and interquartile range of timed calls.

    Args:
        times (Sequence[float]): Times in ms (at least one).

    Returns:
        tuple[float, float, float]: ``(median, 25th, 75th percentile)``
        (the three equal for a single call).
    """
    if len(times) == 0:
        raise ValueError('timing_stats needs at least one time')
    if len(times) == 1:
        return (float(times[0]), ) * 3
    q1, q2, q3 = statistics.quantiles(times, n=4, method='inclusive')
    return float(statistics.median(times)), float(q1), float(q3)


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


def _timed(row: dict, t: int, fn, warmup: int, runs: int, label: str):
    med, lo, hi = timing_stats(time_calls(fn, warmup, runs))
    row['ms'][t] = med
    row.setdefault('iqr', {})[t] = [lo, hi]
    print(f'  {label}, {t} thread(s): {med:.2f} ms (IQR {lo:.2f}-{hi:.2f})',
          flush=True)


def _alternative_models(name: str, exported, fp_exported, fp_model,
                        input_shape, work_dir: str, calibration,
                        fp_calibration) -> Dict[str, dict]:
    """Build the int8 and ONNX Runtime variants; a variant that fails is
    kept with its error (e.g. a quantizer that cannot handle a graph)."""
    from .onnx_runtime import export_onnx, onnx_size, quantize_onnx_int8
    from .quantize import quantize_openvino_int8
    import openvino as ov
    out = {}

    def ov_int8(role, model, calib, sub):
        print(f'  quantizing ({role}, NNCF, {len(calib)} calibration '
              'inputs) ...', flush=True)
        q = quantize_openvino_int8(model, calib)
        xml = osp.join(work_dir, name, sub, 'model.xml')
        os.makedirs(osp.dirname(xml), exist_ok=True)
        ov.save_model(q, xml, compress_to_fp16=False)
        return dict(kind='openvino', path=xml, size=ir_size(xml))

    builders = dict(
        ov_fp_int8=lambda: ov_int8('FP', fp_exported, fp_calibration,
                                   'fp_int8'),
        ov_bin_int8=lambda: ov_int8('binary', exported, calibration,
                                    'binary_int8'))
    onnx_fp = osp.join(work_dir, name, 'onnx', 'fp.onnx')

    def ort_fp():
        print('  exporting the FP model to ONNX ...', flush=True)
        export_onnx(fp_model, input_shape, onnx_fp)
        return dict(kind='onnxruntime', path=onnx_fp, size=onnx_size(onnx_fp))

    def ort_fp_int8():
        if 'path' not in out.get('ort_fp', {}):
            raise RuntimeError('no fp32 ONNX model to quantize')
        print('  quantizing (FP, ONNX Runtime quantize_static) ...',
              flush=True)
        dst = osp.join(work_dir, name, 'onnx', 'fp_int8.onnx')
        quantize_onnx_int8(onnx_fp, dst, fp_calibration)
        return dict(kind='onnxruntime', path=dst, size=onnx_size(dst))

    builders.update(ort_fp=ort_fp, ort_fp_int8=ort_fp_int8)
    for role in _ALTERNATIVES:
        try:
            out[role] = builders[role]()
        except Exception as err:  # report the failure as the row's result
            msg = f'{type(err).__name__}: {str(err).splitlines()[0][:200]}'
            print(f'  {role} failed: {msg}', flush=True)
            out[role] = dict(error=msg)
    return out


def benchmark_model(name: str,
                    model: nn.Module,
                    input_shape: Sequence[int],
                    work_dir: str,
                    threads: Sequence[int] = (1, 2),
                    warmup: int = 3,
                    runs: int = 20,
                    torch_runs: Optional[int] = None,
                    profile: bool = False,
                    fp_model: Optional[nn.Module] = None,
                    alternatives: bool = False,
                    calibration: Optional[List[np.ndarray]] = None,
                    fp_calibration: Optional[List[np.ndarray]] = None
                    ) -> dict:
    """Time and size the variants of one model (progress printed).

    Args:
        name (str): Model name (also the IR sub-directory of ``work_dir``).
        model (nn.Module): The binary model.
        input_shape (Sequence[int]): ``(1, C, H, W)``.
        work_dir (str): Where the IRs are written.
        threads (Sequence[int]): Thread counts to time (each >= 1).
        warmup (int): Untimed calls per variant. Defaults to 3.
        runs (int): Timed calls of the OpenVINO and ONNX Runtime variants.
            Defaults to 20.
        torch_runs (int, optional): Timed calls of the PyTorch variants
            (default: ``runs``).
        profile (bool): Print where the OpenVINO binary model spends its
            time (per node type, 1 thread).
        fp_model (nn.Module, optional): The full-precision model (default:
            the FP twin of ``model``, :func:`~.fp_twin.make_fp_twin`).
        alternatives (bool): Also time the FP and the binary IR with
            OpenVINO's bf16 inference precision hint (the precision the
            runtime actually used is recorded in the row's
            ``runtime_precision``), the FP model quantized to int8 by
            NNCF, the binary model with NNCF int8 on its float layers, and
            the FP model in ONNX Runtime (fp32 and ``quantize_static``
            int8). Defaults to False.
        calibration (list[np.ndarray], optional): Calibration inputs of
            the binary model (default: 8 random inputs).
        fp_calibration (list[np.ndarray], optional): Calibration inputs of
            the FP model (default: ``calibration``).

    Returns:
        dict: ``model``, ``input_shape``, ``fp_label``, ``labels`` (role ->
        row title), binary conv counts (``binary_convs``,
        ``binary_convs_on_u1``, ``unused_binary_convs``, and
        ``binary_convs_on_u1_int8`` for the int8 binary model),
        ``u1_primitives`` and ``rows`` (title -> ``size`` in bytes, ``ms``
        (median) and ``iqr`` (25th/75th percentile) per thread count,
        ``role``, ``path`` of the exported model; a variant that could not
        be built has ``error`` instead of times).

    Raises:
        ValueError: If ``threads`` is empty or holds a count < 1.
    """
    if not threads or min(threads) < 1:
        raise ValueError(f'benchmark_model needs thread counts >= 1, got '
                         f'{list(threads)}')
    model = model.eval()
    fp_label = 'FP twin' if fp_model is None else 'FP'
    twin = (make_fp_twin(model) if fp_model is None else fp_model).eval()
    labels = row_labels(fp_label)
    x = torch.randn(*input_shape)
    torch_runs = torch_runs or runs
    print(f'\n[{name}] input {tuple(input_shape)}: exporting ...', flush=True)
    exported = export_openvino(model, input_shape)
    bin_xml = save_exported(exported, osp.join(work_dir, name, 'binary'))
    twin_exported = export_openvino(twin, input_shape)
    twin_xml = save_exported(twin_exported,
                             osp.join(work_dir, name, 'fp_twin'))
    rows = {
        labels['torch_fp']: dict(size=state_dict_size(twin)),
        labels['torch_bin']: dict(size=state_dict_size(model)),
        labels['ov_fp']: dict(size=ir_size(twin_xml), path=twin_xml),
        labels['ov_bin']: dict(size=ir_size(bin_xml), path=bin_xml),
    }
    kinds = dict(ov_fp='openvino', ov_bin='openvino')
    if alternatives:
        for role, src in _BF16.items():
            rows[labels[role]] = dict(rows[labels[src]], precision='bf16')
            kinds[role] = 'openvino'
        if calibration is None:
            from .quantize import random_calibration_inputs
            calibration = random_calibration_inputs(input_shape, 8)
        alt = _alternative_models(name, exported, twin_exported, twin,
                                  input_shape, work_dir, calibration,
                                  fp_calibration or calibration)
        for role, info in alt.items():
            kinds[role] = info.pop('kind', None)
            rows[labels[role]] = info
    for role, label in labels.items():
        if label in rows:
            rows[label]['role'] = role
            if 'error' not in rows[label]:
                rows[label]['ms'] = {}
    report = report_int8 = report_bf16 = None
    xn = x.numpy()
    for t in threads:
        torch.set_num_threads(t)
        with torch.inference_mode():
            for role, m in (('torch_fp', twin), ('torch_bin', model)):
                f = ExportWrapper(m, input_shape)
                _timed(rows[labels[role]], t, lambda: f(x), warmup,
                       torch_runs, labels[role])
        for role in ROLES[2:]:
            row = rows.get(labels[role])
            if row is None or 'error' in row:
                continue
            if kinds[role] == 'onnxruntime':
                from .onnx_runtime import ort_session
                sess = ort_session(row['path'], num_threads=t)
                feed = {sess.get_inputs()[0].name: xn}
                _timed(row, t, lambda: sess.run(None, feed), warmup, runs,
                       labels[role])
                continue
            compiled = compile_model(
                row['path'],
                num_threads=t,
                precision=row.get('precision', 'f32'))
            req = compiled.create_infer_request()
            _timed(row, t, lambda: req.infer([xn]), warmup, runs, labels[role])
            if 'runtime_precision' not in row:
                row['runtime_precision'] = runtime_precision(compiled)
                if role in _BF16:
                    print(
                        '    ' + _precision_note(row['runtime_precision']),
                        flush=True)
            if role == 'ov_bin_bf16' and report_bf16 is None:
                report_bf16 = binary_kernel_report(
                    compiled, read_export_info(exported.ov_model))
            if role == 'ov_bin' and report is None:
                report = binary_kernel_report(
                    compiled, read_export_info(exported.ov_model))
            if role == 'ov_bin_int8' and report_int8 is None:
                report_int8 = binary_kernel_report(
                    compiled, read_export_info(exported.ov_model))
    print('  ' + report.summary().replace('\n', '\n  '))
    if report_int8 is not None:
        print(f'  binary + int8: {len(report_int8.on_u1)}/'
              f'{report_int8.num_binary_layers} binary convs on the u1 '
              'kernel')
    if report_bf16 is not None:
        print(f'  binary, bf16 hint: {len(report_bf16.on_u1)}/'
              f'{report_bf16.num_binary_layers} binary convs on the u1 '
              'kernel')
    if profile:
        print('  OpenVINO binary, time per node type:')
        print(profile_node_types(bin_xml, xn, runs))
    result = dict(
        model=name,
        input_shape=list(input_shape),
        fp_label=fp_label,
        labels=labels,
        binary_convs=report.num_binary_layers,
        binary_convs_on_u1=len(report.on_u1),
        unused_binary_convs=len(report.unused_layers),
        measured_float_convs=len(report.measured_float),
        u1_primitives=report.primitives,
        binary_layer_status=report.per_layer(),
        rows=rows)
    if report_int8 is not None:
        result['binary_convs_on_u1_int8'] = len(report_int8.on_u1)
    if report_bf16 is not None:
        result['binary_convs_on_u1_bf16'] = len(report_bf16.on_u1)
    return result


def _precision_note(info: dict) -> str:
    """One line: the hint the plugin kept, the runtime precisions of the
    compute nodes, and whether the CPU has native bf16."""
    nodes = ', '.join(f'{k} x{v}' for k, v in info['nodes'].items())
    native = ('native bf16 on this CPU' if info['cpu_bf16'] else
              'no native bf16 on this CPU (OpenVINO falls back)')
    return (f'runtime precision: hint {info["hint"]}; compute nodes '
            f'{nodes}; {native}')


def _cell(row: dict, t: int) -> str:
    if 'error' in row:
        return 'failed'
    ms = f'{row["ms"][t]:.1f}'
    iqr = row.get('iqr', {}).get(t)
    return f'{ms} ({iqr[0]:.1f}-{iqr[1]:.1f})' if iqr else ms


def benchmark_table(result: dict, threads: Sequence[int]) -> str:
    """Markdown table of one model's results.

    Args:
        result (dict): From :func:`benchmark_model` (with ``accuracy``
            from :func:`~.benchmark_accuracy.benchmark_accuracy`, the
            table gains a delta-m column and the headline metrics).
        threads (Sequence[int]): Thread counts, in column order.

    Returns:
        str: The table (size, latency per thread count as median and
        interquartile range, speed-up vs the PyTorch FP model; failed
        variants say so with the reason).
    """
    rows = result['rows']
    labels = result.get('labels') or row_labels()
    base = rows[labels['torch_fp']]['ms']
    accuracy = result.get('accuracy') or {}
    keys = accuracy.get('keys', [])
    header = (['variant', 'size (MB)'] +
              [f'{t} thread{"s" if t > 1 else ""} (ms)' for t in threads] +
              [f'speed-up vs {labels["torch_fp"]}'])
    if accuracy:
        header += [f'Δm vs {accuracy["baseline"]} (%)'] + list(keys)
    cells = []
    for key, r in rows.items():
        if 'error' in r:
            line = [f'{key} (failed: {r["error"]})', '-'] + ['failed'] * len(
                threads) + ['-']
        else:
            line = ([key, f'{r["size"] / 1e6:.2f}'] +
                    [_cell(r, t) for t in threads] +
                    [' / '.join(f'{base[t] / r["ms"][t]:.1f}x'
                                for t in threads)])
        if accuracy:
            acc = accuracy['rows'].get(r.get('role'))
            if acc is None:
                line += ['-'] * (1 + len(keys))
            else:
                line += [f'{acc["delta_m"]:+.2f}'] + [
                    f'{acc["metrics"].get(k, float("nan")):.4g}'
                    for k in keys
                ]
        cells.append(line)
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
    labels = result.get('labels') or row_labels()
    ob, of, tf = (rows[labels['ov_bin']], rows[labels['ov_fp']],
                  rows[labels['torch_fp']])
    fp = result.get('fp_label', 'FP twin')
    out = [('every binary conv on the u1 kernel',
            result['binary_convs_on_u1'] == result['binary_convs'],
            f'{result["binary_convs_on_u1"]}/{result["binary_convs"]}')]
    if 'binary_convs_on_u1_int8' in result:
        n = result['binary_convs_on_u1_int8']
        out.append(('every binary conv on the u1 kernel with int8 float '
                    'layers', n == result['binary_convs'],
                    f'{n}/{result["binary_convs"]}'))
    int8 = rows.get(labels['ov_fp_int8'], {})
    bin_int8 = rows.get(labels['ov_bin_int8'], {})
    for t in threads:
        s1 = tf['ms'][t] / ob['ms'][t]
        s2 = of['ms'][t] / ob['ms'][t]
        out.append((f'>= 3x faster than the torch {fp} ({t} thr)', s1 >= 3,
                    f'{s1:.1f}x'))
        out.append((f'>= 2x faster than the OpenVINO {fp} ({t} thr)',
                    s2 >= 2, f'{s2:.1f}x'))
        if 'ms' in int8:
            best, which = ob['ms'][t], labels['ov_bin']
            if 'ms' in bin_int8 and bin_int8['ms'][t] < best:
                best, which = bin_int8['ms'][t], labels['ov_bin_int8']
            s3 = int8['ms'][t] / best
            out.append((f'>= 2x faster than the OpenVINO {fp} int8 ({t} '
                        'thr)', s3 >= 2, f'{s3:.2f}x ({which})'))
    ratio = of['size'] / ob['size']
    out.append((f'IR >= 8x smaller than the {fp} IR', ratio >= 8,
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
                         json_out: Optional[str] = None,
                         fp_config: Optional[str] = None,
                         fp_checkpoint: Optional[str] = None,
                         alternatives: bool = False,
                         calib_images: int = 16,
                         cfg_options: Optional[dict] = None,
                         accuracy: Optional[bool] = None,
                         eval_threads: Optional[int] = None) -> List[dict]:
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
        runs (int): Timed calls (OpenVINO, ONNX Runtime).
        torch_runs (int, optional): Timed calls (PyTorch; default ``runs``).
        profile (bool): Print the OpenVINO binary model's time per node
            type.
        work_dir (str, optional): Where the IRs are kept (default: a new
            temporary directory).
        json_out (str, optional): Write the results to this JSON file.
        fp_config (str, optional): Config of the full-precision multi-task
            model (default: the FP twin of ``mt_config``'s model).
        fp_checkpoint (str, optional): Checkpoint of ``fp_config``.
        alternatives (bool): Add the int8 (NNCF) and ONNX Runtime rows
            (:func:`benchmark_model`). Defaults to False.
        calib_images (int): Calibration images for int8, from the training
            split of each multi-task config (test pipeline, data
            preprocessor; :func:`~.quantize.calibration_inputs`). When that
            split does not exist and no accuracy is evaluated, random
            inputs are used (latency does not depend on them) and a note
            is printed. Defaults to 16.
        cfg_options (dict, optional): Overrides merged into both
            multi-task configs (e.g. data roots) for calibration and
            evaluation.
        accuracy (bool, optional): Evaluate every multi-task row on the
            config's test split (:func:`~.benchmark_accuracy.
            benchmark_accuracy`). Default: when ``mt_checkpoint`` is given.
        eval_threads (int, optional): Inference threads for the accuracy
            runs (default: the last of ``threads``).

    Returns:
        list[dict]: One :func:`benchmark_model` result per model (the
        multi-task one with ``accuracy`` when evaluated).

    Raises:
        ValueError: If ``models`` names an unknown model, or accuracy is
            asked for without ``mt_checkpoint``.
    """
    unknown = [m for m in models if m not in BENCHMARK_MODELS]
    if unknown:
        raise ValueError(f'unknown benchmark models {unknown}; choose from '
                         f'{list(BENCHMARK_MODELS)}')
    if accuracy is None:
        accuracy = mt_checkpoint is not None
    if accuracy and mt_checkpoint is None:
        raise ValueError('the accuracy of the deployed rows needs a trained '
                         'model: pass mt_checkpoint (--mt-checkpoint)')
    if fp_checkpoint is not None and fp_config is None:
        raise ValueError('fp_checkpoint (--fp-checkpoint) needs fp_config '
                         '(--fp-config), the config it was trained with')
    work_dir = work_dir or tempfile.mkdtemp(prefix='mmbin_bench_')
    kwargs = dict(
        work_dir=work_dir,
        threads=threads,
        warmup=warmup,
        runs=runs,
        torch_runs=torch_runs,
        profile=profile,
        alternatives=alternatives)
    results = []
    torch.manual_seed(0)
    if 'classifier' in models:
        results.append(
            benchmark_model('Bi-Real-18 classifier', BiRealClassifier(),
                            (1, 3, *cls_shape), **kwargs))
    if 'multitask' in models:
        model, _ = build_model_from_config(mt_config, mt_checkpoint)
        fp_model = None
        if fp_config is not None:
            fp_model, _ = build_model_from_config(fp_config, fp_checkpoint)
        name = osp.splitext(osp.basename(mt_config))[0]
        shape = (1, 3, *mt_shape)
        calib = fp_calib = None
        if alternatives:
            calib = _calibration(mt_config, calib_images, shape, cfg_options,
                                 strict=accuracy)
            fp_calib = calib if fp_config is None else _calibration(
                fp_config, calib_images, shape, cfg_options,
                strict=accuracy and fp_checkpoint is not None)
        res = benchmark_model(
            f'multi-task {name}',
            model,
            shape,
            fp_model=fp_model,
            calibration=calib,
            fp_calibration=fp_calib,
            **kwargs)
        if accuracy:
            from .benchmark_accuracy import benchmark_accuracy
            res['accuracy'] = benchmark_accuracy(
                res,
                mt_config,
                mt_checkpoint,
                fp_config=fp_config,
                fp_checkpoint=fp_checkpoint,
                cfg_options=cfg_options,
                num_threads=eval_threads or threads[-1],
                work_dir=osp.join(work_dir, 'eval'))
        results.append(res)
    load = os.getloadavg()
    print(f'\nload average during the run: {load[0]:.2f} {load[1]:.2f} '
          f'{load[2]:.2f} ({os.cpu_count()} CPUs)')
    for res in results:
        print(f'\n### {res["model"]}, input {tuple(res["input_shape"])}, '
              f'batch 1, median (interquartile range) of {runs} '
              f'(torch: {torch_runs or runs})\n')
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


def _calibration(config: str, count: int, shape, cfg_options,
                 strict: bool) -> List[np.ndarray]:
    """Calibration inputs from ``config``'s training split; random inputs
    (with a note) when it does not exist and ``strict`` is False."""
    from .quantize import calibration_inputs, random_calibration_inputs
    try:
        calib = calibration_inputs(config, count, shape[2:], cfg_options)
    except FileNotFoundError as err:
        if strict:
            raise
        print(f'note: {err}\n  -> int8 calibrated on {count} random '
              'inputs: the int8 latency rows are valid, their accuracy is '
              'not measured', flush=True)
        return random_calibration_inputs(shape, count)
    print(f'calibration: {len(calib)} training images of {config}',
          flush=True)
    return calib
