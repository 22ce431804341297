# Copyright (c) mmbin contributors. All rights reserved.
"""Evaluate an exported IR on a config's test set, optionally side by side
with the PyTorch checkpoint: the procedure of
``tools/deploy/test_openvino.py``.

The runner, data pipeline, data preprocessor, post-processing and
evaluator are MMEngine's, built from the config as ``tools/test.py`` builds
them; only the network (``encode_decode``) runs in OpenVINO
(:func:`~.openvino_inference.attach_openvino`).
"""
import os.path as osp
import time
from typing import Callable, Dict, Optional, Tuple

import torch.nn as nn

from mmengine.runner import Runner

from mmbin.utils.config_loading import load_config, merge_cfg_options
from .openvino_inference import attach_openvino
from .runtime import read_model

__all__ = [
    'build_test_runner', 'evaluate_openvino', 'evaluate_with',
    'evaluate_pytorch', 'metrics_side_by_side'
]


def build_test_runner(config: str,
                      name: str,
                      work_dir: Optional[str] = None,
                      checkpoint: Optional[str] = None,
                      cfg_options: Optional[dict] = None) -> Runner:
    """A test runner for ``config``.

    Args:
        config (str): Config file.
        name (str): What is evaluated (``'openvino'``, ``'pytorch'``), part
            of the experiment name and, by default, of the work dir.
        work_dir (str, optional): Directory for logs and the metrics json
            (default: ``./work_dirs/<config stem>_openvino``).
        checkpoint (str, optional): ``load_from`` of the runner.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        Runner: The runner (not run yet).

    Raises:
        ConfigError: If the config has a syntax error or a ``cfg_options``
            key is unknown (:mod:`mmbin.utils.config_loading`).
    """
    cfg = load_config(config)
    cfg.launcher = 'none'
    merge_cfg_options(cfg, cfg_options)
    stem = osp.splitext(osp.basename(config))[0]
    cfg.work_dir = work_dir or osp.join('./work_dirs', f'{stem}_openvino')
    cfg.experiment_name = f'{stem}_{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    cfg.load_from = checkpoint
    return Runner.from_cfg(cfg)


def evaluate_with(config: str,
                  attach: Callable[[nn.Module], object],
                  name: str,
                  work_dir: Optional[str] = None,
                  cfg_options: Optional[dict] = None) -> Dict[str, float]:
    """Test metrics of ``config``'s model with its network replaced.

    Args:
        config (str): Config file.
        attach (Callable): Called with the runner's model before testing;
            replaces its ``encode_decode`` (e.g. ``lambda m:
            attach_openvino(m, ir)``).
        name (str): What is evaluated (part of the experiment name).
        work_dir (str, optional): See :func:`build_test_runner`.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        dict: The metrics ``tools/test.py`` logs.

    Raises:
        FileNotFoundError: If the config does not exist.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist')
    import mmbin  # noqa: F401  (registers mmbin components)
    runner = build_test_runner(config, name, work_dir, None, cfg_options)
    attach(runner.model)
    return runner.test()


def evaluate_pytorch(config: str,
                     checkpoint: str,
                     work_dir: Optional[str] = None,
                     cfg_options: Optional[dict] = None) -> Dict[str, float]:
    """Test metrics of a PyTorch checkpoint (``tools/test.py``).

    Raises:
        FileNotFoundError: If the config or the checkpoint does not exist.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist')
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    import mmbin  # noqa: F401  (registers mmbin components)
    return build_test_runner(config, 'pytorch', work_dir, checkpoint,
                             cfg_options).test()


def evaluate_openvino(
        config: str,
        ir: str,
        num_threads: Optional[int] = None,
        checkpoint: Optional[str] = None,
        work_dir: Optional[str] = None,
        cfg_options: Optional[dict] = None
) -> Tuple[Dict[str, float], Optional[Dict[str, float]]]:
    """Test metrics of an IR (and of a PyTorch checkpoint).

    Args:
        config (str): Config file the IR was exported from.
        ir (str): IR directory (``model.xml``) or ``.xml`` file.
        num_threads (int, optional): OpenVINO inference threads (``None``:
            all cores).
        checkpoint (str, optional): Also evaluate this PyTorch checkpoint.
        work_dir (str, optional): See :func:`build_test_runner`.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        tuple[dict, dict | None]: Metrics of the IR, and of the checkpoint
        (``None`` without one).

    Raises:
        FileNotFoundError: If the config, the IR or the checkpoint does not
            exist (checked before anything runs).
        ConfigError: See :func:`build_test_runner`.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist')
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    ov_model = read_model(ir)
    ov_metrics = evaluate_with(
        config, lambda m: attach_openvino(m, ov_model, num_threads),
        'openvino', work_dir, cfg_options)
    pt_metrics = None
    if checkpoint is not None:
        pt_metrics = evaluate_pytorch(config, checkpoint, work_dir,
                                      cfg_options)
    return ov_metrics, pt_metrics


def _fmt(v) -> str:
    return f'{v:.4f}' if isinstance(v, float) else str(v)


def metrics_side_by_side(pt_metrics: Dict[str, float],
                         ov_metrics: Dict[str, float]) -> str:
    """Plain-text table of the metrics both runs report.

    Args:
        pt_metrics (dict): Metrics of the PyTorch checkpoint.
        ov_metrics (dict): Metrics of the IR.

    Returns:
        str: ``metric  PyTorch  OpenVINO`` lines (floats with 4 decimals).
    """
    keys = [k for k in ov_metrics if k in pt_metrics]
    width = max([len(k) for k in keys] + [6])
    lines = [f'{"metric":<{width}}  {"PyTorch":>10}  {"OpenVINO":>10}']
    for k in keys:
        lines.append(f'{k:<{width}}  {_fmt(pt_metrics[k]):>10}  '
                     f'{_fmt(ov_metrics[k]):>10}')
    return '\n'.join(lines)
