# Copyright (c) mmbin contributors. All rights reserved.
"""Stock MMSegmentation configs binarized by config alone build, run
forward/backward (loss) and predict."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmbin.models.backbones import BiResNet
from mmbin.ops import BiDenseConv, BinaryConv2d

CONFIGS = [
    'fcn_bires18-d8_4xb2-80k_cityscapes-512x1024.py',
    'deeplabv3_bires18-d8_4xb2-80k_cityscapes-512x1024.py',
]


def _samples(n, h, w, num_classes):
    samples = []
    for _ in range(n):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, h, w)))
        s.set_metainfo(
            dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        samples.append(s)
    return samples


@pytest.mark.parametrize('name', CONFIGS)
def test_binarized_stock_config_trains_and_predicts(repo_root, name):
    cfg = Config.fromfile(osp.join(repo_root, 'configs', 'binarize_mmseg',
                                   name))
    assert cfg.custom_imports == dict(
        imports=['mmbin'], allow_failed_imports=False)
    assert cfg.model.backbone.type == 'BiResNet'
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    from mmseg.registry import MODELS
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    assert isinstance(model.backbone, BiResNet)
    head_convs = [m for m in model.decode_head.modules()
                  if isinstance(m, torch.nn.Conv2d)]
    assert any(isinstance(m, BiDenseConv) for m in head_convs)
    # the classifier conv_seg stays full precision
    assert type(model.decode_head.conv_seg) is torch.nn.Conv2d

    model.train()
    inputs = torch.randn(2, 3, 64, 64)
    samples = _samples(2, 64, 64, cfg.model.decode_head.num_classes)
    losses = model.loss(inputs, samples)
    assert 'decode.loss_ce' in losses and 'aux.loss_ce' in losses
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    binary = [m for m in model.modules() if isinstance(m, BinaryConv2d)]
    assert len(binary) >= 16
    for m in binary:
        assert m.weight.grad is not None and m.weight.grad.abs().sum() > 0

    model.eval()
    with torch.no_grad():
        preds = model.predict(inputs, _samples(2, 64, 64, 19))
    assert preds[0].pred_sem_seg.data.shape == (1, 64, 64)
