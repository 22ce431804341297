# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny multi-task models and samples for the segmentor tests."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import mmbin  # noqa: F401

# mmengine builds nested components (the data preprocessor) in the default
# scope; the tools set it from the config, tests set it here.
register_all_modules(init_default_scope=True)

CH = [8, 16, 32, 64]


def tiny_model_cfg(binary=False, ib=False, distill=False, num_classes=5):
    """A width-8 ResNet-18 multi-task model (4 NYUD tasks)."""
    bin_conv = dict(type='ReActConv') if binary else None
    block = dict(conv_cfg=bin_conv, bypass=binary,
                 act_cfg=dict(type='RPReLU') if binary else dict(type='ReLU'))
    backbone = dict(
        type='BiResNet' if binary else 'ResNetV1c', depth=18,
        base_channels=8, stem_channels=8, out_indices=(0, 1, 2, 3),
        norm_cfg=dict(type='BN'))
    cfg = dict(
        type='MultiTaskEncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor', mean=[0., 0., 0.], std=[1., 1., 1.]),
        backbone=backbone,
        decoder=dict(type='MultiTaskFPNDecoder', in_channels=CH, channels=16,
                     **block),
        decode_heads=dict(
            seg=dict(type='SegTaskHead', in_channels=16, channels=8,
                     num_classes=num_classes, **block),
            depth=dict(type='DepthTaskHead', in_channels=16, channels=8,
                       **block),
            normal=dict(type='NormalTaskHead', in_channels=16, channels=8,
                        **block),
            edge=dict(type='EdgeTaskHead', in_channels=16, channels=8,
                      **block)),
        task_weights=dict(normal=10., edge=50.))
    if ib:
        cfg['neck'] = dict(type='IBNeck', in_channels=CH, levels=(3, ),
                           beta=1e-3, conv_cfg=bin_conv)
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
    """Samples with every NYUD task's ground truth."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(
            img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w),
            padding_size=[0, 0, 0, 0]))
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
def model_cfg():
    return tiny_model_cfg


@pytest.fixture
def samples():
    return make_samples
