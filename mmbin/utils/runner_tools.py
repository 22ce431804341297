# Copyright (c) mmbin contributors. All rights reserved.
"""What ``tools/train.py`` and ``tools/test.py`` share: the arguments both
take, the config set-up (load, ``--cfg-options``, launcher, work dir) and
the one-line exit on checkpoint errors.

MMSegmentation's two tools repeat these blocks; here they are defined once
so the two command lines cannot drift apart.
"""
import argparse
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator

from mmengine.config import Config

from .checkpoint import DamagedCheckpointError, UnsafeCheckpointError
from .checkpoint_loading import CheckpointMismatchError
from .cli import (add_cfg_options_arg, add_trust_checkpoint_arg,
                  apply_trust_checkpoint, exit_on_error)
from .config_loading import ConfigError, load_config, merge_cfg_options

__all__ = ['add_runner_args', 'config_from_args', 'exit_on_checkpoint_error']


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options``, ``--launcher``, ``--trust-checkpoint`` and
    ``--local_rank`` (MMSegmentation's tools' spelling and defaults).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    add_cfg_options_arg(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    add_trust_checkpoint_arg(parser, what='checkpoints')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def config_from_args(args: argparse.Namespace) -> Config:
    """The config of a train/test run, set up from the parsed arguments.

    Sets ``LOCAL_RANK`` (when no launcher did) and the checkpoint trust
    opt-in, loads ``args.config`` with mmbin's checked loader (syntax errors
    name file and line), merges ``--cfg-options`` (unknown top-level keys are
    refused), sets the launcher and the work dir (command line > config >
    ``./work_dirs/<config name>``).

    Args:
        args (argparse.Namespace): Parsed arguments with ``config``,
            ``cfg_options``, ``launcher``, ``work_dir``, ``local_rank`` and
            ``trust_checkpoint``.

    Returns:
        Config: The config.

    Raises:
        SystemExit: ``error: ...`` naming the config file or key at fault.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    apply_trust_checkpoint(args)
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')
    with exit_on_error(ConfigError, FileNotFoundError):
        cfg = load_config(args.config)
        cfg.launcher = args.launcher
        merge_cfg_options(cfg, args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


@contextmanager
def exit_on_checkpoint_error() -> Iterator[None]:
    """Turn a checkpoint that does not fit, is damaged or is unsafe into a
    one-line ``error: ...`` exit (the message names the file and what to
    do) instead of a traceback.

    Raises:
        SystemExit: On :class:`CheckpointMismatchError`,
            :class:`DamagedCheckpointError` or :class:`UnsafeCheckpointError`.
    """
    with exit_on_error(CheckpointMismatchError, DamagedCheckpointError,
                       UnsafeCheckpointError):
        yield
