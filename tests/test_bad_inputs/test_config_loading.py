# Copyright (c) mmbin contributors. All rights reserved.
"""mmbin.utils.config_loading: syntax errors name file and line, unknown
top-level --cfg-options keys are refused with the closest key."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmbin.utils import ConfigError, load_config, merge_cfg_options
from mmbin.utils.config_loading import known_config_keys


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


@pytest.fixture
def cfg_file(tmp_path):
    return _write(
        tmp_path / 'good.py', 'train_dataloader = dict(batch_size=4)\n'
        'model = dict(type="X", depth=18)\n')


def test_mmengine_alone_names_no_file(tmp_path):
    """What this module exists for."""
    path = _write(tmp_path / 'bad.py', 'a = 1\nb = dict(x=1,\nc = 2\n')
    with pytest.raises(SyntaxError) as err:
        Config.fromfile(path)
    assert 'bad.py' not in str(err.value)


def test_syntax_error_names_file_and_line(tmp_path):
    path = _write(tmp_path / 'bad.py', 'a = 1\nb = [1, 2\nc = 3 3\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}, line 2: ")
    assert 'Fix the syntax of this config file' in msg


def test_syntax_error_in_a_base_names_the_base(tmp_path):
    base = _write(tmp_path / 'base.py', 'x = (\n')
    child = _write(tmp_path / 'child.py', "_base_ = ['base.py']\ny = 1\n")
    with pytest.raises(ConfigError) as err:
        load_config(child)
    msg = str(err.value)
    assert msg.startswith(f'{base}, line 1: ') and f'a base of {child}' in msg


def test_missing_config(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        load_config(str(tmp_path / 'nope.py'))


def test_unknown_top_level_key_names_closest(cfg_file):
    with pytest.raises(ConfigError) as err:
        load_config(cfg_file, {'trian_dataloader.batch_size': 2})
    msg = str(err.value)
    assert "--cfg-options trian_dataloader.batch_size: 'trian_dataloader'" \
        in msg
    assert "did you mean 'train_dataloader'" in msg
    assert cfg_file in msg


def test_unknown_key_without_close_match_lists_keys(cfg_file):
    with pytest.raises(ConfigError, match=r"top-level keys are \['model', "
                       r"'train_dataloader'\]"):
        load_config(cfg_file, {'zzzzqqq': 1})


@pytest.mark.parametrize('key', [
    'train_dataloader.batch_size', 'model.depth', 'randomness.seed',
    'model_wrapper_cfg.find_unused_parameters', 'env_cfg.cudnn_benchmark',
    'load_from', 'tta_model.type', 'default_hooks.nonfinite_guard.action'
])
def test_known_keys_merge(cfg_file, key):
    cfg = load_config(cfg_file, {key: 2})
    node = cfg
    for part in key.split('.'):
        node = node[part]
    assert node == 2


def test_merge_cfg_options_none_is_a_no_op(cfg_file):
    cfg = load_config(cfg_file)
    assert merge_cfg_options(cfg, None) is cfg
    assert 'launcher' in known_config_keys()


def test_every_mmbin_config_loads():
    """The pre-parse accepts the real configs (placeholders included)."""
    root = osp.join(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))), 'configs')
    cfg = load_config(osp.join(root, 'bimtdp', 'synthetic_r18.py'),
                      {'train_dataloader.batch_size': 3})
    assert cfg.train_dataloader.batch_size == 3
