# Copyright (c) mmbin contributors. All rights reserved.
"""Distributed training without a GPU.

Why this exists: MMEngine 0.10.7's PyTorch launcher calls
``torch.cuda.set_device`` before ``init_process_group`` and wraps the model in
DDP with ``device_ids=[LOCAL_RANK]``; both fail on a CPU-only machine. mmbin's
tools call :func:`setup_cpu_distributed` first: it initialises the process
group with the gloo backend itself (MMEngine then skips its own init) and
asks for a DDP wrapper without device ids, which is what PyTorch expects for
CPU modules.
"""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare ``cfg`` and the process group for CPU distributed runs.

    Does nothing when ``launcher`` is ``'none'`` or CUDA is available.

    Args:
        cfg (Config): The config about to be given to ``Runner.from_cfg``;
            ``model_wrapper_cfg`` is set (or completed) with
            ``device_ids=None``.
        launcher (str): The job launcher (``'none'``, ``'pytorch'``, ...).

    Returns:
        bool: True if the CPU gloo process group was set up here.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise ValueError(
            f'launcher {launcher!r} without a GPU is not supported by mmbin; '
            f"use --launcher pytorch (tools/dist_train.sh) on CPU")
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if key not in os.environ:
            raise RuntimeError(
                f'--launcher pytorch needs the environment variable {key}; '
                f'start the job with tools/dist_train.sh or torchrun')
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    return True


def shutdown_distributed() -> None:
    """End a distributed run cleanly: wait for every rank, then destroy the
    process group.

    Without it each process tears down its gloo process group during
    interpreter exit, while another rank may still be in its last
    collective; under load this aborted a rank ("terminate called without an
    active exception", SIGABRT) after a successful CPU run. Call it only
    after the run succeeded (a barrier after a failure on another rank
    would wait for that rank forever). Does nothing outside a distributed
    run.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
