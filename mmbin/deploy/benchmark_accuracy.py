# Copyright (c) mmbin contributors. All rights reserved.
"""Held-out accuracy of the deployed variants of the deploy benchmark
(``tools/deploy/benchmark.py --mt-checkpoint ... --fp-checkpoint ...``).

Every exported variant of :func:`~.benchmark.benchmark_model` (OpenVINO
fp32, 1-bit and int8 IRs, the fp32 and 1-bit IRs with the bf16 precision
hint, ONNX Runtime fp32 and int8 models) is evaluated
on its config's test split with the runner, pipeline, post-processing and
metrics of ``tools/test.py`` (:func:`~.evaluate.evaluate_with`: only
``encode_decode`` runs in the runtime), and so are the PyTorch checkpoints.
Each row gets the headline metric of every task
(:data:`mmbin.evaluation.HEADLINE`) and its delta-m
(:func:`mmbin.evaluation.metrics.delta_m.delta_m`, percent) against the
PyTorch FP model, or against the PyTorch binary model when no trained FP
model is given; a quantized row's delta-m minus its fp32 row's is what the
quantization costs.
"""
from typing import Dict, Optional

from mmbin.evaluation.metrics.delta_m import delta_m
from mmbin.evaluation.task_metrics import HEADLINE
from .evaluate import evaluate_pytorch, evaluate_with
from .onnx_runtime import attach_onnxruntime
from .openvino_inference import attach_openvino

__all__ = ['benchmark_accuracy']


def _attach(kind: str,
            path: str,
            num_threads: Optional[int],
            precision: str = 'f32'):
    if kind == 'onnxruntime':
        return lambda m: attach_onnxruntime(m, path, num_threads)
    return lambda m: attach_openvino(m, path, num_threads, precision=precision)


def benchmark_accuracy(result: dict,
                       mt_config: str,
                       mt_checkpoint: str,
                       fp_config: Optional[str] = None,
                       fp_checkpoint: Optional[str] = None,
                       cfg_options: Optional[dict] = None,
                       num_threads: Optional[int] = None,
                       work_dir: Optional[str] = None) -> dict:
    """Evaluate the rows of a multi-task benchmark result.

    Args:
        result (dict): From :func:`~.benchmark.benchmark_model`, for the
            model of ``mt_config`` / ``mt_checkpoint``.
        mt_config (str): Config of the binary model.
        mt_checkpoint (str): Its checkpoint (the weights the rows were
            exported with).
        fp_config (str, optional): Config of the FP model of the result
            (``fp_model`` of :func:`~.benchmark.benchmark_model`).
        fp_checkpoint (str, optional): Its checkpoint. Without it the FP
            rows (an FP twin has no trained weights) are not evaluated.
        cfg_options (dict, optional): Overrides merged into both configs.
        num_threads (int, optional): Inference threads.
        work_dir (str, optional): Logs of the test runs.

    Returns:
        dict: ``baseline`` (row title of the delta-m reference), ``keys``
        (the headline metric keys) and ``rows`` (role -> ``metrics`` (the
        headline values) and ``delta_m``, percent).
    """
    rows = result['rows']
    labels = result['labels']
    by_role = {r['role']: r for r in rows.values() if 'role' in r}
    plan = [('torch_bin', mt_config, None)]
    plan += [(role, mt_config, by_role.get(role))
             for role in ('ov_bin', 'ov_bin_bf16', 'ov_bin_int8')]
    if fp_config is not None and fp_checkpoint is not None:
        plan.append(('torch_fp', fp_config, None))
        plan += [(role, fp_config, by_role.get(role))
                 for role in ('ov_fp', 'ov_fp_bf16', 'ov_fp_int8', 'ort_fp',
                              'ort_fp_int8')]
    metrics: Dict[str, dict] = {}
    for role, config, row in plan:
        print(f'\nevaluating {labels[role]} ...', flush=True)
        if role == 'torch_bin':
            metrics[role] = evaluate_pytorch(config, mt_checkpoint, work_dir,
                                             cfg_options)
        elif role == 'torch_fp':
            metrics[role] = evaluate_pytorch(config, fp_checkpoint, work_dir,
                                             cfg_options)
        elif row is not None and 'path' in row:
            kind = 'onnxruntime' if role.startswith('ort') else 'openvino'
            metrics[role] = evaluate_with(
                config,
                _attach(kind, row['path'], num_threads,
                        row.get('precision', 'f32')), role, work_dir,
                cfg_options)
    baseline_role = 'torch_fp' if 'torch_fp' in metrics else 'torch_bin'
    base = metrics[baseline_role]
    keys = [m.key for m in HEADLINE.values() if m.key in base]
    out_rows = {}
    for role, m in metrics.items():
        values = {k: float(m[k]) for k in keys if k in m}
        out_rows[role] = dict(
            metrics=values,
            delta_m=delta_m(values, {k: float(base[k])
                                     for k in keys}, skip_zero_baseline=True))
    return dict(baseline=labels[baseline_role], keys=keys, rows=out_rows)
