# Copyright (c) mmbin contributors. All rights reserved.
"""The benchmark of ``tools/benchmark/run_benchmark.py``: methods, presets,
protocol, latency measurement and report."""
from .latency import measure_latency
from .methods import (HEADLINE_METRICS, METHODS, SINGLE_TASK_BASELINES,
                      BenchmarkMethod, get_method, select_methods)
from .presets import PRESETS, BenchmarkPreset, get_preset
from .protocol import (build_method_config, final_checkpoint,
                       method_config_path)
from .report import (baseline_metrics, build_rows, markdown_table,
                     plot_delta_m_vs_ops, plot_task_metrics, write_csv)

__all__ = [
    'measure_latency', 'HEADLINE_METRICS', 'METHODS',
    'SINGLE_TASK_BASELINES', 'BenchmarkMethod', 'get_method',
    'select_methods', 'PRESETS', 'BenchmarkPreset', 'get_preset',
    'build_method_config', 'final_checkpoint', 'method_config_path',
    'baseline_metrics', 'build_rows', 'markdown_table',
    'plot_delta_m_vs_ops', 'plot_task_metrics', 'write_csv'
]
