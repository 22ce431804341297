# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny models for the computation-sharing tests."""
import pytest
import torch
from _helpers.multitask import (NYUD_TASKS, make_nyud_samples,
                                tiny_multitask_cfg)
from mmseg.utils import register_all_modules

import mmbin  # noqa: F401

register_all_modules(init_default_scope=True)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Small tensors run much faster on one thread of a shared CPU."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def tiny_resnet_cfg(tasks=NYUD_TASKS, shared=True, num_classes=5,
                    **sharing):
    """A width-8 ResNet-18 multi-task model (shared or plain)."""
    cfg = tiny_multitask_cfg(
        tasks=tasks, num_classes=num_classes,
        task_weights={t: 1.0 for t in tasks})
    if shared:
        cfg['type'] = 'SharedMultiTaskEncoderDecoder'
        cfg['sharing'] = dict(layers=['backbone.*'], **sharing)
    return cfg


def tiny_vit_backbone():
    return dict(
        type='VisionTransformer', img_size=(32, 48), patch_size=8,
        embed_dims=32, num_layers=2, num_heads=2, out_indices=(0, 1),
        final_norm=True, with_cls_token=True)


def make_samples(n=2, h=32, w=32, num_classes=5, seed=0, **meta):
    """Samples with every NYUD task's ground truth."""
    return make_nyud_samples(
        n, h, w, num_classes, seed, padding_size=[0, 0, 0, 0], **meta)


@pytest.fixture
def resnet_cfg():
    return tiny_resnet_cfg


@pytest.fixture
def vit_cfg():
    return tiny_vit_backbone


@pytest.fixture
def samples():
    return make_samples
