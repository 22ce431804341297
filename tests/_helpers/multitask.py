# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny multi-task models and generated NYUD-style samples."""
import copy
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

#: Output channels of the width-8 ResNet-18 stages.
CH = [8, 16, 32, 64]
#: The four NYUD tasks.
NYUD_TASKS = ('seg', 'depth', 'normal', 'edge')
_HEADS = dict(
    seg='SegTaskHead',
    depth='DepthTaskHead',
    normal='NormalTaskHead',
    edge='EdgeTaskHead')


def distill_loss_cfg() -> dict:
    """``MultiTaskDistillLoss`` of the neck and decoder features and of every
    NYUD prediction."""
    return dict(
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


def tiny_multitask_cfg(binary: bool = False,
                       ib: bool = False,
                       distill: bool = False,
                       tasks: Sequence[str] = NYUD_TASKS,
                       num_classes: int = 5,
                       mean: Sequence[float] = (0., 0., 0.),
                       pad_size: Optional[Sequence[int]] = None,
                       task_weights: Optional[dict] = None) -> dict:
    """A ``MultiTaskEncoderDecoder`` config: a width-8 ResNet-18, an FPN
    decoder of 16 channels and one head of 8 channels per task.

    Args:
        binary (bool): BiResNet backbone, ``ReActConv`` + ``RPReLU`` +
            bypass in the decoder and the heads.
        ib (bool): An ``IBNeck`` on the last stage.
        distill (bool): Add :func:`distill_loss_cfg`.
        tasks (Sequence[str]): Heads to build.
        num_classes (int): Segmentation classes.
        mean (Sequence[float]): Data preprocessor mean (std is 1).
        pad_size (Sequence[int], optional): Data preprocessor ``size``.
        task_weights (dict, optional): The model's ``task_weights``.

    Returns:
        dict: The config (a fresh copy).
    """
    bin_conv = dict(type='ReActConv') if binary else None
    block = dict(
        conv_cfg=bin_conv,
        bypass=binary,
        act_cfg=dict(type='RPReLU') if binary else dict(type='ReLU'))
    preprocessor = dict(
        type='SegDataPreProcessor', mean=list(mean), std=[1., 1., 1.])
    if pad_size is not None:
        preprocessor['size'] = tuple(pad_size)
    heads = {}
    for t in tasks:
        heads[t] = dict(type=_HEADS[t], in_channels=16, channels=8, **block)
        if t == 'seg':
            heads[t]['num_classes'] = num_classes
    cfg = dict(
        type='MultiTaskEncoderDecoder',
        data_preprocessor=preprocessor,
        backbone=dict(
            type='BiResNet' if binary else 'ResNetV1c',
            depth=18,
            base_channels=8,
            stem_channels=8,
            out_indices=(0, 1, 2, 3),
            norm_cfg=dict(type='BN')),
        decoder=dict(
            type='MultiTaskFPNDecoder', in_channels=CH, channels=16, **block),
        decode_heads=heads)
    if task_weights is not None:
        cfg['task_weights'] = dict(task_weights)
    if ib:
        cfg['neck'] = dict(
            type='IBNeck',
            in_channels=CH,
            levels=(3, ),
            beta=1e-3,
            conv_cfg=bin_conv)
    if distill:
        cfg['distill_loss'] = distill_loss_cfg()
    return copy.deepcopy(cfg)


def tiny_bimtdp_cfg(ib: bool = True, num_classes: int = 6) -> dict:
    """A multi-task model of the Bi-MTDP layout, 8x narrower: BiResNet
    (stride-2 stem block), optional IB neck, a binary FPN decoder summing its
    levels and binary heads (``ReActConv``, ``RPReLU``, bypass), with the
    multi-task data preprocessor of the NYUD configs.

    Args:
        ib (bool): With the ``IBNeck`` on the last stage.
        num_classes (int): Segmentation classes.

    Returns:
        dict: The config (a fresh copy).
    """
    binary = dict(conv_cfg=dict(type='ReActConv'), norm_cfg=dict(type='BN'))
    act = dict(type='RPReLU')
    head = dict(in_channels=32, channels=16, act_cfg=act, bypass=True,
                **binary)
    cfg = dict(
        type='MultiTaskEncoderDecoder',
        data_preprocessor=dict(
            type='MultiTaskDataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255,
            size_divisor=32),
        backbone=dict(
            type='BiResNet',
            depth=18,
            stem_channels=16,
            base_channels=8,
            out_indices=(0, 1, 2, 3),
            strides=(1, 2, 2, 2),
            act_cfg=act,
            **binary),
        neck=dict(type='IBNeck', in_channels=CH, levels=(3, ), **binary),
        decoder=dict(
            type='MultiTaskFPNDecoder',
            in_channels=CH,
            channels=32,
            act_cfg=act,
            bypass=True,
            fusion='sum',
            **binary),
        decode_heads=dict(
            seg=dict(type='SegTaskHead', num_classes=num_classes, **head),
            depth=dict(type='DepthTaskHead', **head),
            normal=dict(type='NormalTaskHead', **head),
            edge=dict(type='EdgeTaskHead', **head)),
        test_cfg=dict(mode='whole'))
    if not ib:
        del cfg['neck']
    return copy.deepcopy(cfg)


def make_nyud_samples(n: int = 2,
                      h: int = 32,
                      w: int = 32,
                      num_classes: int = 5,
                      seed: int = 0,
                      **meta) -> list:
    """Data samples with random ground truth of every NYUD task (the same
    for the same arguments).

    Args:
        n (int): Number of samples.
        h (int): Height.
        w (int): Width.
        num_classes (int): Segmentation classes.
        seed (int): Seed of the generator.
        **meta: More meta information (e.g. ``padding_size``).

    Returns:
        list[SegDataSample]: ``gt_sem_seg``, ``gt_depth_map`` (0.5..4.5),
        ``gt_normal_map`` (unit) and ``gt_edge_map`` (about 10% ones).
    """
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(
            img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w), **meta))
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
