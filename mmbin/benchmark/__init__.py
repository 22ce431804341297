# Copyright (c) mmbin contributors. All rights reserved.
"""The benchmark of ``tools/benchmark/run_benchmark.py`` (methods, presets,
protocol, measurement, runner and report) and the demo pipeline of
``tools/misc/demo.py``."""
from .demo import demo_delta_m, demo_table, run_demo
from .latency import measure_latency
from .measure import measure_model, train_seconds_per_iter
from .methods import (METHODS, SINGLE_TASK_BASELINES, BenchmarkMethod,
                      get_method, select_methods)
from .plots import plot_delta_m_vs_ops, plot_task_metrics
from .presets import PRESETS, BenchmarkPreset, get_preset
from .protocol import (build_method_config, final_checkpoint,
                       method_config_path)
from .report import (baseline_metrics, benchmark_table, build_rows,
                     load_results, report_text, write_csv, write_report)
from .runner import BenchmarkError, run_benchmark

__all__ = [
    'demo_delta_m', 'demo_table', 'run_demo', 'measure_latency',
    'measure_model', 'train_seconds_per_iter', 'METHODS',
    'SINGLE_TASK_BASELINES', 'BenchmarkMethod', 'get_method',
    'select_methods', 'plot_delta_m_vs_ops', 'plot_task_metrics', 'PRESETS',
    'BenchmarkPreset', 'get_preset', 'build_method_config',
    'final_checkpoint', 'method_config_path', 'baseline_metrics',
    'benchmark_table', 'build_rows', 'load_results', 'report_text',
    'write_csv', 'write_report', 'BenchmarkError', 'run_benchmark'
]
