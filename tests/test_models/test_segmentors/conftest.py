# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny multi-task models and samples for the segmentor tests."""
import pytest
from _helpers.multitask import make_nyud_samples, tiny_multitask_cfg
from mmseg.utils import register_all_modules

import mmbin  # noqa: F401

# mmengine builds nested components (the data preprocessor) in the default
# scope; the tools set it from the config, tests set it here.
register_all_modules(init_default_scope=True)


def tiny_model_cfg(binary=False, ib=False, distill=False, num_classes=5):
    """A width-8 ResNet-18 multi-task model (4 NYUD tasks)."""
    return tiny_multitask_cfg(
        binary=binary, ib=ib, distill=distill, num_classes=num_classes,
        task_weights=dict(normal=10., edge=50.))


def make_samples(n=2, h=32, w=32, num_classes=5, seed=0):
    """Samples with every NYUD task's ground truth."""
    return make_nyud_samples(
        n, h, w, num_classes, seed, padding_size=[0, 0, 0, 0])


@pytest.fixture
def model_cfg():
    return tiny_model_cfg


@pytest.fixture
def samples():
    return make_samples
