# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny student / teacher configs for the distillation-hook tests."""
from types import SimpleNamespace

import pytest
from _helpers.multitask import (NYUD_TASKS, make_nyud_samples,
                                tiny_multitask_cfg)
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmseg.utils import register_all_modules

import mmbin  # noqa: F401

register_all_modules(init_default_scope=True)


def tiny_cfg(binary=False, distill=False, tasks=NYUD_TASKS, num_classes=5,
             mean=(0., 0., 0.)):
    """A width-8 ResNet-18 multi-task model (binary: with the IB neck)."""
    return tiny_multitask_cfg(
        binary=binary, ib=binary, distill=distill, tasks=tasks,
        num_classes=num_classes, mean=mean, pad_size=(32, 32))


def make_samples(n=2, h=32, w=32, num_classes=5, seed=0):
    """Samples with every NYUD task's ground truth."""
    return make_nyud_samples(n, h, w, num_classes, seed)


def fake_runner(model, hook_cfg=None, it=0):
    """The attributes of a Runner the hook reads."""
    cfg = Config(dict(custom_hooks=[hook_cfg or {}]))
    return SimpleNamespace(
        model=model, cfg=cfg, iter=it,
        logger=MMLogger.get_instance('test_distill_hook'))


@pytest.fixture
def cfgs():
    return SimpleNamespace(tiny_cfg=tiny_cfg, make_samples=make_samples,
                           fake_runner=fake_runner)
