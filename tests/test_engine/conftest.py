# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny student / teacher configs for the distillation-hook tests."""
import copy
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import mmbin  # noqa: F401

register_all_modules(init_default_scope=True)

CH = [8, 16, 32, 64]


def tiny_cfg(binary=False, distill=False, tasks=('seg', 'depth', 'normal',
                                                 'edge'), num_classes=5,
             mean=(0., 0., 0.)):
    """A width-8 ResNet-18 multi-task model."""
    block = dict(
        conv_cfg=dict(type='ReActConv') if binary else None,
        bypass=binary,
        act_cfg=dict(type='RPReLU') if binary else dict(type='ReLU'))
    heads = dict(
        seg=dict(type='SegTaskHead', num_classes=num_classes),
        depth=dict(type='DepthTaskHead'),
        normal=dict(type='NormalTaskHead'),
        edge=dict(type='EdgeTaskHead'))
    cfg = dict(
        type='MultiTaskEncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor', mean=list(mean), std=[1., 1., 1.],
            size=(32, 32)),
        backbone=dict(
            type='BiResNet' if binary else 'ResNetV1c', depth=18,
            base_channels=8, stem_channels=8, norm_cfg=dict(type='BN')),
        decoder=dict(type='MultiTaskFPNDecoder', in_channels=CH, channels=16,
                     **block),
        decode_heads={
            t: dict(heads[t], in_channels=16, channels=8, **block)
            for t in tasks
        })
    if binary:
        cfg['neck'] = dict(type='IBNeck', in_channels=CH, levels=(3, ),
                           beta=1e-3, conv_cfg=block['conv_cfg'])
    if distill:
        cfg['distill_loss'] = dict(
            type='MultiTaskDistillLoss',
            features=[
                dict(name='neck', source='neck', index=3),
                dict(name='decoder', source='decoder', index=0)
            ],
            predictions=dict(
                seg=dict(type='ChannelWiseDistillLoss', tau=1.),
                depth=dict(type='RegressionDistillLoss'),
                normal=dict(type='RegressionDistillLoss', normalize=True),
                edge=dict(type='SoftBCEDistillLoss')))
    return copy.deepcopy(cfg)


def make_samples(n=2, h=32, w=32, num_classes=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(
            img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
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
