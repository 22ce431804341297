# Copyright (c) mmbin contributors. All rights reserved.
"""Shared fixtures: small generated data sets, made once per test session."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def repo_root():
    """Absolute path of the repository root."""
    return ROOT


@pytest.fixture(scope='session')
def python_exe():
    """The interpreter running the tests (the project's venv)."""
    return sys.executable


@pytest.fixture(scope='session')
def tiny_nyud(tmp_path_factory):
    """A tiny synthetic NYUD_MT tree: 8 train and 4 val scenes, 48x64."""
    from mmbin.datasets import generate_synthetic_nyud
    root = tmp_path_factory.mktemp('tiny_nyud')
    generate_synthetic_nyud(
        str(root), num_train=8, num_val=4, size=(48, 64), seed=0)
    return str(root)
