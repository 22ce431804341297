# Copyright (c) mmbin contributors. All rights reserved.
"""What the benchmark measures on a trained method besides its metrics:
OPs, parameters and weight memory, CPU inference time, and training time
per iteration.

OPs and memory come from :func:`mmbin.analysis.analyze_complexity` (or,
for computation sharing, from the effective MACs that
``tools/analysis/sharing_report.py image`` wrote), the inference time from
:func:`mmbin.benchmark.latency.measure_latency`, the training time from
MMEngine's own logs.
"""
import glob
import json
import os.path as osp
import statistics
from typing import Optional

from .presets import BenchmarkPreset


def train_seconds_per_iter(method_dir: str) -> Optional[float]:
    """Median logged training time per iteration (MMEngine's ``time``).

    Args:
        method_dir (str): The ``--work-dir`` of ``tools/train.py``; every
            run's ``<timestamp>/vis_data/scalars.json`` under it is read.

    Returns:
        float | None: Seconds per iteration; ``None`` when no training
        iteration was logged.
    """
    times = []
    for path in glob.glob(
            osp.join(method_dir, '[0-9]*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'time' in rec and 'loss' in rec:
                    times.append(float(rec['time']))
    return statistics.median(times) if times else None


def measure_model(cfg_path: str,
                  checkpoint: str,
                  preset: BenchmarkPreset,
                  threads: int = 0,
                  sharing_json: Optional[str] = None) -> dict:
    """Complexity, parameters, memory and inference time of one model.

    Args:
        cfg_path (str): The method's (protocol-applied) config.
        checkpoint (str): Its trained checkpoint (loaded strictly).
        preset (BenchmarkPreset): Input size of the OPs count
            (``complexity_size``) and the latency warm-up and runs.
        threads (int): torch threads of the inference timing; 0 keeps
            torch's own. Defaults to 0.
        sharing_json (str, optional): ``sharing_report.py image --json``
            output of a computation-sharing model: its effective MACs and
            stored parameters replace the dense count.

    Returns:
        dict: ``ops``, ``flops``, ``bops``, ``params_fp``, ``params_bin``,
        ``memory_mb``, ``infer_ms`` (median, batch 1, first test sample)
        and ``infer_threads``.
    """
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.model import revert_sync_batchnorm
    from mmseg.registry import DATASETS

    from mmbin.analysis import analyze_complexity
    from mmbin.utils import build_model_from_config
    from .latency import measure_latency

    model, cfg = build_model_from_config(cfg_path, checkpoint)
    model = revert_sync_batchnorm(model).eval()
    out = {}
    if sharing_json is None:
        h, w = preset.complexity_size
        cx = analyze_complexity(model, torch.randn(1, 3, h, w))
        for k in ('ops', 'flops', 'bops', 'params_fp', 'params_bin',
                  'memory_mb'):
            out[k] = float(cx[k])
    else:
        # effective MACs and stored parameters of the sharing model
        with open(sharing_json) as f:
            rep = json.load(f)
        tot = rep['total']
        out.update(
            ops=tot['sharing_gmacs'] * 1e9,
            flops=tot['sharing_gmacs'] * 1e9,
            bops=0.0,
            params_fp=float(tot['sharing_params']),
            params_bin=0.0,
            memory_mb=tot['sharing_params'] * 4 / 1e6)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    data = pseudo_collate([dataset[0]])
    lat = measure_latency(
        model,
        data,
        warmup=preset.latency_warmup,
        runs=preset.latency_runs,
        threads=threads)
    out['infer_ms'] = lat['median_ms']
    out['infer_threads'] = lat['threads']
    return out
