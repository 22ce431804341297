# Copyright (c) mmbin contributors. All rights reserved.
"""Load a config file and apply ``--cfg-options`` without silent mistakes.

Why this exists: MMEngine 0.10.7's ``Config.fromfile`` reports a syntax
error of the given file as ``invalid syntax (<unknown>, line N)`` (it parses
the text without its file name first), and ``Config.merge_from_dict`` adds
any key it is given, so a misspelled top-level option such as
``trian_dataloader.batch_size=2`` is merged as a new key that nothing reads
and the run goes on with the old value.
"""
import difflib
import inspect
import os.path as osp
from typing import Iterable, Optional, Set

from mmengine.config import Config
from mmengine.runner import Runner

__all__ = [
    'ConfigError', 'load_config', 'check_cfg_options', 'merge_cfg_options',
    'known_config_keys'
]

# Top-level keys that MMEngine's Runner (besides its constructor arguments),
# MMSegmentation's and mmbin's tools read from a config although it may not
# define them.
_EXTRA_KEYS = {
    'model_wrapper_cfg', 'sync_bn', 'find_unused_parameters', 'compile',
    'activation_checkpointing', 'efficient_conv_bn_eval', 'custom_imports',
    'tta_model', 'tta_pipeline'
}


class ConfigError(ValueError):
    """A config file or a ``--cfg-options`` entry is wrong."""


def known_config_keys(cfg: Optional[Config] = None) -> Set[str]:
    """Top-level keys that have an effect when set on the command line.

    Args:
        cfg (Config, optional): The loaded config; its own keys count.

    Returns:
        set[str]: The config's keys, the arguments of MMEngine's ``Runner``
        and the optional keys the Runner and the tools read.
    """
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self'}
    keys |= _EXTRA_KEYS
    if cfg is not None:
        keys |= set(cfg.keys())
    return keys


def check_cfg_options(cfg: Config, options: dict,
                      extra_keys: Iterable[str] = ()) -> None:
    """Refuse ``--cfg-options`` whose top-level key nothing reads.

    Options are merged after the config file has been evaluated, so a new
    top-level key cannot feed any expression of the file: it is either a
    key MMEngine or the tools read, or a typo.

    Args:
        cfg (Config): The loaded config.
        options (dict): The parsed ``--cfg-options`` (``'a.b.c'`` keys).
        extra_keys (Iterable[str]): More top-level keys to accept.

    Raises:
        ConfigError: Naming the unknown key, the closest known ones and the
            config file.
    """
    known = known_config_keys(cfg) | set(extra_keys)
    for full_key in options:
        top = str(full_key).split('.', 1)[0]
        if top in known:
            continue
        close = difflib.get_close_matches(top, sorted(known), n=3,
                                          cutoff=0.6)
        hint = (f'did you mean {" or ".join(repr(c) for c in close)}?'
                if close else
                f'the config\'s top-level keys are {sorted(cfg.keys())}')
        raise ConfigError(
            f'--cfg-options {full_key}: {top!r} is not a key of '
            f'{cfg.filename or "the config"} nor one MMEngine reads; '
            f'{hint} (a new top-level key would be ignored, as options are '
            f'merged after the config file is evaluated)')


def merge_cfg_options(cfg: Config, cfg_options: Optional[dict]) -> Config:
    """Check (:func:`check_cfg_options`) and merge ``--cfg-options``.

    Args:
        cfg (Config): The loaded config, changed in place.
        cfg_options (dict, optional): Parsed ``--cfg-options``.

    Returns:
        Config: ``cfg``.

    Raises:
        ConfigError: If an option's top-level key is unknown.
    """
    if cfg_options:
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    return cfg


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and merge command-line options into it.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): Parsed ``--cfg-options``; each
            top-level key must exist (see :func:`check_cfg_options`).

    Returns:
        Config: The config with the options merged.

    Raises:
        FileNotFoundError: The file does not exist.
        ConfigError: The file has a syntax error (named with its line), or
            an option's top-level key is unknown.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist')
    if path.endswith('.py'):
        with open(path, encoding='utf-8') as f:
            source = f.read()
        try:
            compile(source, path, 'exec', dont_inherit=True)
        except SyntaxError as e:
            line = (e.text or '').rstrip('\n')
            marker = ''
            if line and e.offset:
                marker = '\n    ' + ' ' * (max(e.offset, 1) - 1) + '^'
            raise ConfigError(
                f'{path}, line {e.lineno}: {e.msg}\n    {line}{marker}\n'
                f'Fix the syntax of this config file.') from None
    try:
        cfg = Config.fromfile(path)
    except SyntaxError as e:
        # in a base file, which MMEngine's message names with the line
        raise ConfigError(f'{e}\n(while reading {path}; fix the syntax of '
                          f'the file named above)') from None
    return merge_cfg_options(cfg, cfg_options)
