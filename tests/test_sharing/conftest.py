# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny models for the computation-sharing tests."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import mmbin  # noqa: F401

register_all_modules(init_default_scope=True)

CH = [8, 16, 32, 64]


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Small tensors run much faster on one thread of a shared CPU."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def tiny_resnet_cfg(tasks=('seg', 'depth', 'normal', 'edge'),
                    shared=True, num_classes=5, **sharing):
    """A width-8 ResNet-18 multi-task model (shared or plain)."""
    heads = dict(
        seg=dict(type='SegTaskHead', in_channels=16, channels=8,
                 num_classes=num_classes),
        depth=dict(type='DepthTaskHead', in_channels=16, channels=8),
        normal=dict(type='NormalTaskHead', in_channels=16, channels=8),
        edge=dict(type='EdgeTaskHead', in_channels=16, channels=8))
    cfg = dict(
        type='MultiTaskEncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor', mean=[0., 0., 0.], std=[1., 1., 1.]),
        backbone=dict(
            type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
            out_indices=(0, 1, 2, 3), norm_cfg=dict(type='BN')),
        decoder=dict(type='MultiTaskFPNDecoder', in_channels=CH,
                     channels=16),
        decode_heads={t: heads[t] for t in tasks},
        task_weights={t: 1.0 for t in tasks})
    if shared:
        cfg['type'] = 'SharedMultiTaskEncoderDecoder'
        cfg['sharing'] = dict(layers=['backbone.*'], **sharing)
    return copy.deepcopy(cfg)


def tiny_vit_backbone():
    return dict(
        type='VisionTransformer', img_size=(32, 48), patch_size=8,
        embed_dims=32, num_layers=2, num_heads=2, out_indices=(0, 1),
        final_norm=True, with_cls_token=True)


def make_samples(n=2, h=32, w=32, num_classes=5, seed=0, **meta):
    """Samples with every NYUD task's ground truth."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(
            img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w),
            padding_size=[0, 0, 0, 0], **meta))
        s.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, h, w), generator=g))
        s.gt_depth_map = PixelData(
            data=torch.rand(1, h, w, generator=g) * 4 + 0.5)
        s.gt_normal_map = PixelData(
            data=F.normalize(torch.randn(3, h, w, generator=g), dim=0))
        s.gt_edge_map = PixelData(
            data=(torch.rand(1, h, w, generator=g) > 0.9).long())
        out.append(s)
    return out


@pytest.fixture
def resnet_cfg():
    return tiny_resnet_cfg


@pytest.fixture
def vit_cfg():
    return tiny_vit_backbone


@pytest.fixture
def samples():
    return make_samples
