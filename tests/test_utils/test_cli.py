# Copyright (c) mmbin contributors. All rights reserved.
"""The shared argparse pieces of the tools (mmbin.utils.cli)."""
import argparse
import os

import pytest

from mmbin.utils import TRUST_ENV
from mmbin.utils.cli import (add_config_args, add_shape_arg, add_threads_arg,
                             add_trust_checkpoint_arg, apply_trust_checkpoint,
                             non_negative_int, positive_int)


def test_int_types_accept_the_range_and_name_it_otherwise():
    assert positive_int('1') == 1 and positive_int('640') == 640
    assert non_negative_int('0') == 0 and non_negative_int('7') == 7
    for bad in ('0', '-3', 'abc', '1.5', ''):
        with pytest.raises(argparse.ArgumentTypeError) as err:
            positive_int(bad)
        assert str(err.value) == f'must be an integer >= 1, got {bad!r}'
    with pytest.raises(argparse.ArgumentTypeError, match='>= 0, got .-1.'):
        non_negative_int('-1')


def _parser():
    parser = argparse.ArgumentParser(prog='tool')
    add_config_args(parser)
    add_shape_arg(parser, required=True)
    add_shape_arg(parser, '--other-shape', default=(5, 7))
    add_threads_arg(parser, multiple=True, default=[1, 2])
    add_trust_checkpoint_arg(parser)
    return parser


def test_parser_defaults_and_values():
    args = _parser().parse_args([
        'cfg.py', '--shape', '48', '64', '--cfg-options', 'a.b=2',
        'model.type=X'
    ])
    assert args.config == 'cfg.py'
    assert args.shape == [48, 64]
    assert args.other_shape == (5, 7)
    assert args.threads == [1, 2]
    assert args.cfg_options == {'a.b': 2, 'model.type': 'X'}
    assert args.trust_checkpoint is False
    args = _parser().parse_args(
        ['c.py', '--shape', '1', '1', '--threads', '4', '--other-shape', '2',
         '3'])
    assert args.threads == [4] and args.other_shape == [2, 3]


@pytest.mark.parametrize('argv, message', [
    (['c.py', '--shape', '0', '64'],
     "argument --shape: must be an integer >= 1, got '0'"),
    (['c.py', '--shape', '64', '-2'],
     "argument --shape: must be an integer >= 1, got '-2'"),
    (['c.py', '--shape', '64', '64', '--other-shape', 'x', '1'],
     "argument --other-shape: must be an integer >= 1, got 'x'"),
    (['c.py', '--shape', '64', '64', '--threads', '1', '-1'],
     "argument --threads: must be an integer >= 1, got '-1'"),
])
def test_bad_numbers_are_usage_errors_naming_the_option(
        argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith('usage: tool')
    assert f'tool: error: {message}' in err


def test_apply_trust_checkpoint(monkeypatch):
    # setenv first so that monkeypatch records the variable and removes the
    # value apply_trust_checkpoint writes (a bare delenv of an absent
    # variable records nothing, and the trust opt-in leaked into later
    # tests: the damaged-checkpoint row of the bad-input table then saw
    # torch's raw error)
    monkeypatch.setenv(TRUST_ENV, '0')
    monkeypatch.delenv(TRUST_ENV)
    apply_trust_checkpoint(
        _parser().parse_args(['c.py', '--shape', '2', '2']))
    assert TRUST_ENV not in os.environ
    apply_trust_checkpoint(
        _parser().parse_args(
            ['c.py', '--shape', '2', '2', '--trust-checkpoint']))
    assert os.environ[TRUST_ENV] == '1'


def test_exit_on_error_turns_listed_errors_into_one_line():
    from mmbin.utils.cli import exit_on_error
    with pytest.raises(SystemExit) as exc:
        with exit_on_error(FileNotFoundError, ValueError):
            raise ValueError("config 'x.py', line 3: bad")
    assert exc.value.code == "error: config 'x.py', line 3: bad"
    # other errors pass through unchanged (a bug keeps its traceback)
    with pytest.raises(KeyError):
        with exit_on_error(FileNotFoundError):
            raise KeyError('k')
    with exit_on_error(ValueError):
        value = 3
    assert value == 3
