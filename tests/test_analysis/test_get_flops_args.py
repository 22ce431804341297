# Copyright (c) mmbin contributors. All rights reserved.
"""tools/analysis/get_flops.py refuses bad numbers with a usage error
naming the option and the allowed range."""
import os.path as osp
import subprocess

import pytest
from _helpers.tool_runs import load_script

from mmbin.analysis import config_complexity


def _tool(repo_root):
    return load_script('tools/analysis/get_flops.py')


def test_parse_args_values(repo_root):
    args = _tool(repo_root).parse_args(
        ['c.py', '--shape', '64', '48', '--cfg-options', 'model.x=1'])
    assert args.shape == [64, 48] and args.in_channels == 3
    assert args.cfg_options == {'model.x': 1}


@pytest.mark.parametrize('argv, message', [
    (['--shape', '0', '64'], "argument --shape: must be an integer >= 1, "
     "got '0'"),
    (['--shape', '64', '-5'], "argument --shape: must be an integer >= 1, "
     "got '-5'"),
    (['--shape', '64', '64', '--in-channels', '0'],
     "argument --in-channels: must be an integer >= 1, got '0'"),
])
def test_bad_numbers(repo_root, argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _tool(repo_root).parse_args(['c.py'] + argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_shape_zero_is_a_usage_error_not_a_traceback(repo_root, python_exe):
    """The case of issue 14: ``--shape 0 64`` used to end in a traceback
    from inside the model."""
    cfg = osp.join(repo_root, 'configs', 'binarize_mmseg',
                   'fcn_bires18-d8_4xb2-80k_cityscapes-512x1024.py')
    proc = subprocess.run(
        [python_exe, 'tools/analysis/get_flops.py', cfg, '--shape', '0', '64'],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 2
    assert "get_flops.py: error: argument --shape: must be an integer >= 1, " \
        "got '0'" in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_config_complexity_refuses_empty_input(repo_root):
    cfg = osp.join(repo_root, 'configs', 'binarize_mmseg',
                   'fcn_bires18-d8_4xb2-80k_cityscapes-512x1024.py')
    with pytest.raises(ValueError, match='1 channel, got 3 channels of 0x64'):
        config_complexity(cfg, (0, 64))


def test_config_errors_are_clean_exits(repo_root, tmp_path):
    tool = _tool(repo_root)
    missing = str(tmp_path / 'missing.py')
    with pytest.raises(SystemExit, match='missing.py.*does not exist'):
        tool.main([missing, '--shape', '8', '8'])
    cfg = osp.join(repo_root, 'configs', 'binarize_mmseg',
                   'fcn_bires18-d8_4xb2-80k_cityscapes-512x1024.py')
    with pytest.raises(SystemExit, match="'modle'.*did you mean 'model'"):
        tool.main([cfg, '--shape', '8', '8', '--cfg-options', 'modle.x=1'])
