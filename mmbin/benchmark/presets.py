# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark presets: data, schedule length and measurement settings."""
from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class BenchmarkPreset:
    """One benchmark protocol.

    Args:
        name (str): Preset name.
        description (str): One line for the report.
        config_family (str): Which config of each method to use:
            ``'synthetic'`` or ``'nyud'`` (see
            :class:`~mmbin.benchmark.methods.BenchmarkMethod`).
        data_root (str, optional): Dataset root; ``None`` keeps the
            configs' own (``data/NYUD_MT`` for ``full``).
        synthetic (dict, optional): Arguments of
            :func:`mmbin.datasets.generate_synthetic_nyud` used to create
            ``data_root`` when it is missing (``num_train``, ``num_val``,
            ``size``); ``None`` for real data, which must exist.
        input_size (tuple[int, int], optional): ``(H, W)`` the networks see
            (resize scale and crop of the pipelines); ``None`` keeps the
            configs'.
        complexity_size (tuple[int, int]): ``(H, W)`` of the OPs count.
        iters (dict, optional): Training iterations per
            ``BenchmarkMethod.iters_key`` (``main``, ``finetune``); ``None``
            keeps every config's own schedule.
        checkpoint_interval (int, optional): Checkpoint every so many
            iterations (resumption points); ``None`` keeps the configs'.
        log_interval (int): Logger interval (training time per iteration
            is read from these logs).
        latency_warmup (int): Untimed inference runs before timing.
        latency_runs (int): Timed inference runs (the median is reported).
        num_workers (int): Data loader workers (0 keeps loading in the main
            process, which the determinism guarantee relies on).
    """
    name: str
    description: str
    config_family: str
    data_root: Optional[str]
    synthetic: Optional[dict]
    input_size: Optional[Tuple[int, int]]
    complexity_size: Tuple[int, int]
    iters: Optional[Dict[str, int]]
    checkpoint_interval: Optional[int]
    log_interval: int
    latency_warmup: int
    latency_runs: int
    num_workers: int = 0


PRESETS: Dict[str, BenchmarkPreset] = dict(
    smoke=BenchmarkPreset(
        name='smoke',
        description='a few iterations per method on a tiny generated set '
        '(keeps the benchmark working; the numbers mean nothing)',
        config_family='synthetic',
        data_root='data/synthetic_nyud_bench_smoke',
        synthetic=dict(num_train=16, num_val=4, size=(48, 64)),
        input_size=(48, 64),
        complexity_size=(48, 64),
        iters=dict(main=2, finetune=2),
        checkpoint_interval=1,
        log_interval=1,
        latency_warmup=1,
        latency_runs=3),
    cpu=BenchmarkPreset(
        name='cpu',
        description='CPU schedule on the synthetic NYUD stand-in '
        '(400 train / 50 val scenes, 96x128)',
        config_family='synthetic',
        data_root='data/synthetic_nyud_bench',
        synthetic=dict(num_train=400, num_val=50, size=(96, 128)),
        input_size=(96, 128),
        complexity_size=(96, 128),
        iters=dict(main=600, finetune=150),
        checkpoint_interval=200,
        log_interval=20,
        latency_warmup=5,
        latency_runs=30),
    full=BenchmarkPreset(
        name='full',
        description='the NYUD-v2 configs with their own (paper-scale) '
        'schedules; for machines with a GPU',
        config_family='nyud',
        data_root=None,
        synthetic=None,
        input_size=None,
        complexity_size=(480, 640),
        iters=None,
        checkpoint_interval=None,
        log_interval=50,
        latency_warmup=5,
        latency_runs=30,
        num_workers=4),
)


def get_preset(name: str) -> BenchmarkPreset:
    """The preset called ``name``.

    Raises:
        KeyError: Naming the known presets.
    """
    if name not in PRESETS:
        raise KeyError(f'unknown benchmark preset {name!r}; known: '
                       f'{", ".join(PRESETS)}')
    return PRESETS[name]
