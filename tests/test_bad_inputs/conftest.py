# Copyright (c) mmbin contributors. All rights reserved.
"""Fixtures of the bad-input tests: the hand-made NYUD tree of the dataset
tests (tests/test_datasets/conftest.py, loaded by path) and mmseg's scope."""
import importlib.util
import os.path as osp

import pytest


def _dataset_helpers():
    path = osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_datasets',
        'conftest.py')
    spec = importlib.util.spec_from_file_location('_dataset_trees', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


write_nyud_tree = _dataset_helpers().write_nyud_tree


@pytest.fixture
def nyud_tree(tmp_path):
    """NYUD_MT tree with three 12x16 samples a, b, c (train split)."""
    return write_nyud_tree(str(tmp_path / 'nyud'))


@pytest.fixture(scope='session', autouse=True)
def _mmseg_scope():
    import mmbin  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
