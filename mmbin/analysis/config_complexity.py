# Copyright (c) mmbin contributors. All rights reserved.
"""Complexity of the model of a config: the procedure of
``tools/analysis/get_flops.py``.

The config is a file or a package config such as
``mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py`` (MMEngine's
``get_config``), so that an unmodified MMSegmentation model can be counted
beside its binarized twin. The model is built from ``cfg.model`` with
SyncBN reverted (the count runs in one process) and traced with one
``(1, C, H, W)`` input through its tensor forward (for an mmseg segmentor:
backbone, neck and decode head, the same graph as MMSegmentation's
``get_flops.py``) by :func:`~.complexity.analyze_complexity`.
:func:`mmbin.utils.build_model_from_config` is not used: it takes files
only, and loads checkpoints, which counting does not need.
"""
from typing import Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from mmbin.utils.config_loading import load_config, merge_cfg_options
from .complexity import analyze_complexity
from .per_layer import per_layer_complexity

__all__ = ['config_complexity']


def _load(config: str, cfg_options: Optional[dict]) -> Config:
    if '::' not in config:
        return load_config(config, cfg_options)
    from mmengine.hub import get_config
    return merge_cfg_options(get_config(config), cfg_options)


def config_complexity(config: str,
                      hw: Sequence[int],
                      in_channels: int = 3,
                      count_elementwise: bool = False,
                      include_uncalled: bool = False,
                      cfg_options: Optional[dict] = None,
                      per_layer: bool = False) -> dict:
    """Count FLOPs, BOPs, OPs, parameters and memory of a config's model.

    Args:
        config (str): Config file or ``pkg::path`` config.
        hw (Sequence[int]): Input height and width (each >= 1).
        in_channels (int): Input channels (>= 1). Defaults to 3.
        count_elementwise (bool): See :func:`~.complexity.
            analyze_complexity`.
        include_uncalled (bool): See :func:`~.complexity.
            analyze_complexity`.
        cfg_options (dict, optional): Overrides merged into the config.
        per_layer (bool): Also count per layer
            (:func:`~.per_layer.per_layer_complexity`, same trace). Defaults
            to False.

    Returns:
        dict: :func:`~.complexity.analyze_complexity`'s result plus
        ``config`` and ``input_shape`` (and ``layers`` with ``per_layer``).

    Raises:
        ValueError: If the input size or channels are not >= 1.
        FileNotFoundError: If the config file does not exist.
        ConfigError: If the config has a syntax error or a ``cfg_options``
            key is unknown (:mod:`mmbin.utils.config_loading`).
        KeyError: If the config has no ``model``.
    """
    h, w = (int(v) for v in hw)
    if min(h, w, in_channels) < 1:
        raise ValueError(f'config_complexity needs an input of at least '
                         f'1x1 pixels and 1 channel, got {in_channels} '
                         f'channels of {h}x{w}')
    cfg = _load(config, cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if 'model' not in cfg:
        raise KeyError(f'{config} has no "model" key')

    from mmseg.registry import MODELS
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
    count = per_layer_complexity if per_layer else analyze_complexity
    result = count(
        model,
        torch.randn(1, in_channels, h, w),
        count_elementwise=count_elementwise,
        include_uncalled=include_uncalled)
    result['config'] = config
    result['input_shape'] = [1, in_channels, h, w]
    return result
