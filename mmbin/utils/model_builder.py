# Copyright (c) mmbin contributors. All rights reserved.
"""Build a model from a config file and load a checkpoint (export,
benchmark, analysis tools)."""
import os.path as osp
from typing import Optional, Tuple

import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from .checkpoint_loading import (CheckpointMismatchError,
                                 load_checkpoint_checked)

__all__ = ['build_model_from_config']


def build_model_from_config(
        config: str,
        checkpoint: Optional[str] = None,
        cfg_options: Optional[dict] = None) -> Tuple[nn.Module, Config]:
    """Build ``cfg.model`` in eval mode and load a checkpoint strictly.

    ``init_weights`` is not called (no pretrained download); without a
    checkpoint the model keeps its constructor initialisation, which is
    enough for latency measurements and export checks.

    Args:
        config (str): Config file.
        checkpoint (str, optional): ``.pth`` written by ``tools/train.py``.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        tuple[nn.Module, Config]: The model (CPU, eval mode) and the config.

    Raises:
        FileNotFoundError: If the config or checkpoint does not exist.
        CheckpointMismatchError: If the checkpoint does not match the model
            (lists the first mismatching tensors; a ``RuntimeError``).
    """
    import mmbin  # noqa: F401  (registers mmbin components)
    from mmseg.registry import MODELS
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        if not osp.isfile(osp.expanduser(checkpoint)):
            raise FileNotFoundError(
                f'checkpoint {checkpoint!r} does not exist; pass the .pth '
                'file written by tools/train.py (e.g. work_dirs/<config>/'
                'iter_<N>.pth)')
        try:
            load_checkpoint_checked(model, checkpoint, strict=True)
        except CheckpointMismatchError as err:
            raise CheckpointMismatchError(
                f'checkpoint {checkpoint!r} does not match the model of '
                f'{config!r}: {err}') from None
    return model.cpu().eval(), cfg
