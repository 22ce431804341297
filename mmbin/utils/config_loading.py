# Copyright (c) mmbin contributors. All rights reserved.
"""Load a config file and apply ``--cfg-options`` without silent mistakes.

Why this exists: MMEngine 0.10.7's ``Config.fromfile`` reports a syntax
error of the given file or of one of its ``_base_`` files as ``invalid
syntax (<unknown>, line N)`` (it parses the text without its file name),
and ``Config.merge_from_dict`` adds
any key it is given, so a misspelled top-level option such as
``trian_dataloader.batch_size=2`` is merged as a new key that nothing reads
and the run goes on with the old value.
"""
import ast
import difflib
import inspect
import os.path as osp
from typing import Iterable, List, Optional, Set, Tuple

from mmengine.config import Config
from mmengine.runner import Runner

__all__ = [
    'ConfigError', 'load_config', 'check_cfg_options', 'merge_cfg_options',
    'known_config_keys', 'find_syntax_error'
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


def _base_files(tree: ast.Module, path: str) -> List[str]:
    """The ``_base_`` files a parsed config names, resolved as MMEngine
    does (relative to the file, or ``package::path``)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_'
                for t in node.targets):
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                return []
            bases = [bases] if isinstance(bases, str) else list(bases)
            out = []
            for base in bases:
                try:
                    out.append(Config._get_cfg_path(base, path)[0])
                except Exception:  # a missing package: MMEngine says so
                    continue
            return out
    return []


def find_syntax_error(path: str,
                      _seen: Optional[Set[str]] = None
                      ) -> Optional[Tuple[str, SyntaxError]]:
    """The first Python config file with a syntax error in ``path`` and its
    ``_base_`` chain.

    Args:
        path (str): A config file.

    Returns:
        tuple[str, SyntaxError] | None: The file and its error (which has
        ``lineno``, ``offset`` and ``text``), or None.
    """
    _seen = set() if _seen is None else _seen
    path = osp.abspath(path)
    if path in _seen or not path.endswith('.py') or not osp.isfile(path):
        return None
    _seen.add(path)
    with open(path, encoding='utf-8') as f:
        source = f.read()
    try:
        tree = compile(source, path, 'exec', ast.PyCF_ONLY_AST,
                       dont_inherit=True)
    except SyntaxError as e:
        return path, e
    for base in _base_files(tree, path):
        found = find_syntax_error(base, _seen)
        if found is not None:
            return found
    return None


def _syntax_message(path: str, e: SyntaxError, config: str) -> str:
    line = (e.text or '').rstrip('\n')
    marker = ''
    if line and e.offset:
        marker = '\n    ' + ' ' * (max(e.offset, 1) - 1) + '^'
    where = '' if path == osp.abspath(config) else f' (a base of {config})'
    return (f'{path}, line {e.lineno}: {e.msg}{where}\n    {line}{marker}\n'
            f'Fix the syntax of this config file.')


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
    try:
        cfg = Config.fromfile(path)
    except SyntaxError as e:
        found = find_syntax_error(path)
        if found is None:  # not found by parsing alone: MMEngine's message
            raise ConfigError(f'{path}: {e}') from None
        raise ConfigError(_syntax_message(*found, path)) from None
    return merge_cfg_options(cfg, cfg_options)
