# Copyright (c) mmbin contributors. All rights reserved.
"""What the image and the video report of computation sharing share:
finding configs, building models and metrics, evaluating quietly, writing
the results."""
import json
import logging
import os
import os.path as osp
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmbin.models.sharing import resolve_step_checkpoint
from mmbin.utils import build_model_from_config

__all__ = ['REPO_ROOT', 'find_config', 'build_report_model',
           'build_task_metric', 'compute_metrics_quietly', 'evaluate',
           'step1_entries', 'fmt', 'write_sharing_report']

#: The repository root: configs name each other relative to it.
REPO_ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def find_config(path: str) -> str:
    """A config file as given, else relative to the repository root.

    Args:
        path (str): Config path (as on the command line or in
            ``init_from``).

    Returns:
        str: An existing file.

    Raises:
        FileNotFoundError: If neither location holds the file.
    """
    if osp.isfile(path):
        return path
    alt = osp.join(REPO_ROOT, path)
    if osp.isfile(alt):
        return alt
    raise FileNotFoundError(f'config file {path!r} does not exist (looked '
                            f'in the working directory and in {REPO_ROOT})')


def build_report_model(config: str,
                       checkpoint: str,
                       cfg_options: Optional[dict] = None
                       ) -> Tuple[nn.Module, Config]:
    """The model of ``config`` with ``checkpoint`` loaded strictly, in eval
    mode on the CPU, and the config (default scope set).

    Args:
        config (str): Config file (see :func:`find_config`).
        checkpoint (str): A ``.pth`` file or a work directory (its latest
            checkpoint).
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        tuple[nn.Module, Config]: The model and the config.

    Raises:
        FileNotFoundError: If the config or the checkpoint does not exist.
        RuntimeError: If the checkpoint does not fit the model.
    """
    config = find_config(config)
    path = resolve_step_checkpoint(checkpoint, None, 'checkpoint')
    return build_model_from_config(config, path, cfg_options)


def build_task_metric(cfg: Config, dataset, tasks: Iterable[str]):
    """The config's ``test_evaluator`` (a ``MultiTaskMetric``) restricted to
    ``tasks``.

    Args:
        cfg (Config): Config with ``test_evaluator``.
        dataset: The test dataset (its ``metainfo`` names the classes).
        tasks (Iterable[str]): Tasks to evaluate.

    Returns:
        MultiTaskMetric: The metric, ready to ``process`` samples.
    """
    from mmseg.registry import METRICS
    ev = dict(cfg.test_evaluator)
    ev['tasks'] = tuple(tasks)
    metric = METRICS.build(ev)
    metric.dataset_meta = dataset.metainfo
    return metric


def compute_metrics_quietly(metric, results: list) -> Dict[str, float]:
    """``metric.compute_metrics(results)`` without its logged tables.

    Args:
        metric (MultiTaskMetric): The metric.
        results (list[dict]): Per-sample statistics (``metric.results``).

    Returns:
        dict[str, float]: Metrics keyed ``task/name``.
    """
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return metric.compute_metrics(results)
    finally:
        logger.setLevel(level)


@torch.no_grad()
def evaluate(model: nn.Module,
             loader: Iterable,
             metric,
             max_samples: Optional[int] = None,
             on_batch: Optional[Callable] = None
             ) -> Tuple[Dict[str, float], int]:
    """Run ``model.test_step`` over the loader and compute the metrics.

    Args:
        model (nn.Module): The model (eval mode).
        loader (Iterable): Test batches.
        metric (MultiTaskMetric): Metric of the tasks to evaluate.
        max_samples (int, optional): Stop after the batch that reaches this
            many samples.
        on_batch (Callable, optional): ``on_batch(batch, outputs)`` after
            every batch.

    Returns:
        tuple[dict[str, float], int]: The metrics and the number of samples
        seen.
    """
    seen = 0
    for batch in loader:
        outputs = model.test_step(batch)
        metric.process(batch, outputs)
        if on_batch is not None:
            on_batch(batch, outputs)
        seen += len(outputs)
        if max_samples is not None and seen >= max_samples:
            break
    return compute_metrics_quietly(metric, metric.results), seen


def step1_entries(cfg: Config, depth: int = 0) -> Dict[str, dict]:
    """The step-1 single-task models named by ``model.init_from``,
    following ``previous_step`` configs (at most 8 deep).

    Args:
        cfg (Config): A sharing config.
        depth (int): Recursion depth (internal).

    Returns:
        dict[str, dict]: ``task -> dict(config=..., checkpoint=...)``; empty
        when the chain names none.
    """
    init = cfg.model.get('init_from') or {}
    if 'single_task' in init:
        return dict(init['single_task'])
    prev = init.get('previous_step')
    if prev and prev.get('config') and depth < 8:
        return step1_entries(Config.fromfile(find_config(prev['config'])),
                             depth + 1)
    return {}


def fmt(value: Optional[float], digits: int = 3) -> str:
    """``value`` with ``digits`` decimals, ``'-'`` for None.

    Args:
        value (float, optional): The number.
        digits (int): Decimals. Defaults to 3.

    Returns:
        str: The table cell.
    """
    return '-' if value is None else f'{value:.{digits}f}'


def write_sharing_report(result: dict,
                         json_path: Optional[str] = None,
                         markdown_path: Optional[str] = None) -> List[str]:
    """Write a report's result as JSON and its table(s) as Markdown.

    Args:
        result (dict): What :func:`sharing_image_report` or
            :func:`sharing_video_report` returned.
        json_path (str, optional): JSON file (folders are created).
        markdown_path (str, optional): Markdown file (``result['markdown']``
            and a newline).

    Returns:
        list[str]: The files written.
    """
    written = []
    if json_path:
        os.makedirs(osp.dirname(osp.abspath(json_path)), exist_ok=True)
        with open(json_path, 'w') as f:
            json.dump(result, f, indent=1, default=float)
        written.append(json_path)
    if markdown_path:
        os.makedirs(osp.dirname(osp.abspath(markdown_path)), exist_ok=True)
        with open(markdown_path, 'w') as f:
            f.write(result['markdown'] + '\n')
        written.append(markdown_path)
    return written
