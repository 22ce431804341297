# Copyright (c) mmbin contributors. All rights reserved.
"""The benchmark of ``tools/benchmark/run_benchmark.py`` (methods, presets,
protocol, measurement, runner and report) and the demo pipeline of
``tools/misc/demo.py``."""
from .demo import demo_delta_m, demo_table, run_demo
from .latency import measure_latency
from .measure import measure_model, train_seconds_per_iter
from .methods import (METHODS, SINGLE_TASK_BASELINES, BenchmarkMethod,
                      get_method, select_methods)
from .plots import (plot_delta_m_vs_ops, plot_learning_curves,
                    plot_task_metrics)
from .presets import PRESETS, BenchmarkPreset, get_preset
from .protocol import (build_method_config, final_checkpoint,
                       method_config_path)
from .report import (aggregate_records, baseline_metrics, benchmark_table,
                     build_rows, comparisons, convergence,
                     last_quarter_change, load_results, per_seed_delta_m,
                     report_text, write_csv, write_report)
from .results import (default_results_dir, load_records, read_health_curve,
                      read_val_curve,
                      result_path)
from .runner import BenchmarkError, plan_runs, run_benchmark
from .stats import mean_std, paired_difference, t_quantile_975
from .tiers import (BUDGET_GROUPS, HEADLINE_COMPARISONS, HEADLINE_METHODS,
                    group_methods, tier)

__all__ = [
    'demo_delta_m', 'demo_table', 'run_demo', 'measure_latency',
    'measure_model', 'train_seconds_per_iter', 'METHODS',
    'SINGLE_TASK_BASELINES', 'BenchmarkMethod', 'get_method',
    'select_methods', 'plot_delta_m_vs_ops', 'plot_task_metrics', 'PRESETS',
    'BenchmarkPreset', 'get_preset', 'build_method_config',
    'final_checkpoint', 'method_config_path', 'baseline_metrics',
    'benchmark_table', 'build_rows', 'load_results', 'report_text',
    'write_csv', 'write_report', 'BenchmarkError', 'run_benchmark',
    'plot_learning_curves', 'aggregate_records', 'comparisons',
    'convergence', 'last_quarter_change', 'per_seed_delta_m',
    'default_results_dir', 'load_records', 'read_health_curve',
    'read_val_curve', 'result_path',
    'plan_runs', 'mean_std', 'paired_difference', 't_quantile_975',
    'BUDGET_GROUPS', 'HEADLINE_COMPARISONS', 'HEADLINE_METHODS',
    'group_methods', 'tier'
]
