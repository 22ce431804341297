# Copyright (c) mmbin contributors. All rights reserved.
"""Argparse pieces shared by the command-line tools in ``tools/``.

Several tools take the same arguments (a config with ``--cfg-options``, an
input ``--shape H W``, inference ``--threads``, ``--trust-checkpoint``);
each is defined here once. The ``type=`` functions check numeric arguments
when the command line is parsed, so a bad value ends in argparse's usage
error naming the option and the allowed range (``argument --shape: must be
an integer >= 1, got '0'``) instead of a traceback deep inside the model.

Argparse and MMEngine's :class:`~mmengine.config.DictAction` do the
parsing; this module only holds the definitions the tools would otherwise
repeat.
"""
import argparse
import math
import os
from contextlib import contextmanager
from typing import Callable, Iterator, Optional, Sequence, Type

from mmengine.config import DictAction

from .checkpoint import TRUST_ENV

__all__ = [
    'positive_int', 'non_negative_int', 'int_in_range', 'non_negative_float',
    'positive_float', 'unit_interval_float', 'exit_on_error',
    'add_config_args',
    'add_cfg_options_arg', 'add_shape_arg', 'add_threads_arg',
    'add_trust_checkpoint_arg', 'apply_trust_checkpoint',
    'add_synthetic_data_args', 'add_generator_run_args'
]


def _int_at_least(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f'must be an integer >= {minimum}, got {text!r}') from None
    if value < minimum:
        raise argparse.ArgumentTypeError(
            f'must be an integer >= {minimum}, got {text!r}')
    return value


def positive_int(text: str) -> int:
    """Argparse ``type=`` for integers >= 1 (sizes, counts, threads).

    Args:
        text (str): The command-line value.

    Returns:
        int: The value.

    Raises:
        argparse.ArgumentTypeError: If ``text`` is not an integer >= 1
            (argparse reports it with the option's name).
    """
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """Argparse ``type=`` for integers >= 0 (e.g. warm-up iterations).

    Args:
        text (str): The command-line value.

    Returns:
        int: The value.

    Raises:
        argparse.ArgumentTypeError: If ``text`` is not an integer >= 0.
    """
    return _int_at_least(text, 0)


def int_in_range(minimum: int,
                 maximum: Optional[int] = None) -> Callable[[str], int]:
    """Argparse ``type=`` for integers in ``[minimum, maximum]``.

    Args:
        minimum (int): Smallest allowed value.
        maximum (int, optional): Largest allowed value (None: no bound).

    Returns:
        Callable[[str], int]: The ``type=`` function; it raises
        ``argparse.ArgumentTypeError`` naming the range.
    """

    def parse(text: str) -> int:
        value = _int_at_least(text, minimum)
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(
                f'must be an integer in {minimum}..{maximum}, got {text!r}')
        return value

    return parse


def non_negative_float(text: str) -> float:
    """Argparse ``type=`` for finite numbers >= 0 (e.g. noise scales).

    Args:
        text (str): The command-line value.

    Returns:
        float: The value.

    Raises:
        argparse.ArgumentTypeError: If ``text`` is not a number >= 0.
    """
    value = _float_or_nan(text)
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(
            f'must be a finite number >= 0, got {text!r}')
    return value


def positive_float(text: str) -> float:
    """Argparse ``type=`` for finite numbers > 0 (e.g. frame rates).

    Args:
        text (str): The command-line value.

    Returns:
        float: The value.

    Raises:
        argparse.ArgumentTypeError: If ``text`` is not a number > 0.
    """
    value = _float_or_nan(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(
            f'must be a number > 0, got {text!r}')
    return value


def unit_interval_float(text: str) -> float:
    """Argparse ``type=`` for numbers in ``[0, 1]`` (e.g. opacities).

    Args:
        text (str): The command-line value.

    Returns:
        float: The value.

    Raises:
        argparse.ArgumentTypeError: If ``text`` is not a number in [0, 1].
    """
    value = _float_or_nan(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(
            f'must be a number in [0, 1], got {text!r}')
    return value


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float('nan')


def add_cfg_options_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options key=value ...`` (MMEngine's ``DictAction``).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value (e.g. '
        'model.backbone.depth=34)')


def add_config_args(parser: argparse.ArgumentParser,
                    config_help: str = 'config file') -> None:
    """Add the positional ``config`` and ``--cfg-options``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        config_help (str): Help text of ``config``.
    """
    parser.add_argument('config', help=config_help)
    add_cfg_options_arg(parser)


def add_shape_arg(parser: argparse.ArgumentParser,
                  option: str = '--shape',
                  default: Optional[Sequence[int]] = None,
                  required: bool = False,
                  help: str = 'input height and width',
                  minimum: int = 1) -> None:
    """Add an input size option taking two integers ``H W`` >= ``minimum``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        option (str): Option name. Defaults to ``'--shape'``.
        default (Sequence[int], optional): ``(H, W)`` when not given.
        required (bool): Whether the option must be given.
        help (str): Help text.
        minimum (int): Smallest allowed side. Defaults to 1.
    """
    parser.add_argument(
        option,
        type=int_in_range(minimum),
        nargs=2,
        metavar=('H', 'W'),
        default=None if default is None else tuple(default),
        required=required,
        help=help)


def add_threads_arg(parser: argparse.ArgumentParser,
                    multiple: bool = False,
                    default=None,
                    help: str = 'inference threads (default: all cores)'
                    ) -> None:
    """Add ``--threads`` (integers >= 1).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        multiple (bool): Take one or more thread counts (a list).
        default (int | list[int], optional): Value when not given.
        help (str): Help text.
    """
    parser.add_argument(
        '--threads',
        type=positive_int,
        nargs='+' if multiple else None,
        default=default,
        metavar='N',
        help=help)


def add_trust_checkpoint_arg(parser: argparse.ArgumentParser,
                             what: str = 'the checkpoint') -> None:
    """Add ``--trust-checkpoint`` (unrestricted unpickling, opt-in).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        what (str): Which checkpoint the flag applies to, for the help.
    """
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help=f'load {what} with unrestricted unpickling (only for files you '
        f'trust; same as {TRUST_ENV}=1)')


def apply_trust_checkpoint(args: argparse.Namespace) -> None:
    """Set ``MMBIN_TRUST_CHECKPOINTS=1`` when ``--trust-checkpoint`` was
    given, so that mmbin's checkpoint loader allows any pickle.

    Args:
        args (argparse.Namespace): Parsed arguments.
    """
    if getattr(args, 'trust_checkpoint', False):
        os.environ[TRUST_ENV] = '1'


def add_synthetic_data_args(parser: argparse.ArgumentParser, *, unit: str,
                            image: str, num_train: int, num_val: int,
                            size: Sequence[int], min_side: int) -> None:
    """Add what every synthetic data generator asks for: ``--out``,
    ``--num-train`` and ``--num-val`` (>= 0), ``--size H W`` (each >=
    ``min_side``) and ``--seed`` (>= 0).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        unit (str): What the counts count, plural (``'scenes'``).
        image (str): What ``--size`` sizes (``'image'``, ``'frame'``).
        num_train (int): Default of ``--num-train``.
        num_val (int): Default of ``--num-val``.
        size (Sequence[int]): Default ``(H, W)``.
        min_side (int): Smallest side the generator can render.
    """
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--num-train', type=non_negative_int,
                        default=num_train,
                        help=f'training {unit} (default {num_train})')
    parser.add_argument('--num-val', type=non_negative_int, default=num_val,
                        help=f'validation {unit} (default {num_val})')
    add_shape_arg(parser, '--size', default=size,
                  help=f'{image} height and width, each >= {min_side} '
                  f'(default {size[0]} {size[1]})', minimum=min_side)
    parser.add_argument('--seed', type=non_negative_int, default=0,
                        help='global seed (default 0)')


def add_generator_run_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers`` (>= 1; the output does not depend on it) and
    ``--jpeg-quality`` (0..100) of the synthetic data generators.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--workers', type=positive_int, default=min(2, os.cpu_count() or 1),
        help='worker processes (default: min(2, CPUs)); the output does not '
        'depend on it')
    parser.add_argument('--jpeg-quality', type=int_in_range(0, 100),
                        default=90, help='JPEG quality 0..100 (default 90)')


@contextmanager
def exit_on_error(*errors: Type[BaseException]) -> Iterator[None]:
    """End a command line with one ``error: <message>`` line (exit status
    1) instead of a traceback when one of ``errors`` is raised: the
    messages of mmbin's errors already name the file, key or value at fault
    and what to do.

    Args:
        *errors (type): Exception classes that are the user's input at
            fault (a missing file, a bad config, an unfit checkpoint).

    Raises:
        SystemExit: ``error: ...`` on one of ``errors``.
    """
    try:
        yield
    except errors as err:
        raise SystemExit(f'error: {err}')
