# Copyright (c) mmbin contributors. All rights reserved.
"""The BiDense DPT variant: binarized ViT backbone, the reference's DPT
decoder, the synthetic config end to end, mmseg's DPTHead on the backbone,
and complexity accounting of the binary linears and attention."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmbin  # noqa: F401
from mmbin.analysis.complexity import analyze_complexity
from mmbin.ops import BinaryAttentionCore, BinaryLinear

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(embed_dims=24, depth=2, num_heads=2, mlp_ratio=2)


def _samples(n, h, w, classes):
    out = []
    for _ in range(n):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(
            data=torch.randint(0, classes, (1, h, w)))
        s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w),
                            pad_shape=(h, w), batch_input_shape=(h, w)))
        out.append(s)
    return out


def test_synthetic_config_forward_backward():
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/bidense/synthetic_seg_dpt_bidense.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    x = torch.randn(2, 3, 56, 64)
    losses = model.loss(x, _samples(2, 56, 64, 40))
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    blk = model.backbone.blocks[0]
    assert isinstance(blk.fc1, BinaryLinear)
    for p in (blk.fc1.weight, blk.attn.qkv.weight, blk.attn.proj.weight,
              model.backbone.patch_embed.weight,
              model.decode_head.projects[0].weight,
              model.decode_head.conv_seg.weight):
        assert p.grad is not None and p.grad.abs().sum() > 0
    # the logits come back at the input size (not the 56x56 patch grid)
    model.eval()
    with torch.no_grad():
        pred = model.predict(x, _samples(2, 56, 64, 40))
    assert pred[0].seg_logits.data.shape == (40, 56, 64)


def test_backbone_outputs_and_resize():
    torch.manual_seed(0)
    vit = MODELS.build(
        dict(type='BiDenseViT', arch=TINY, img_size=56,
             out_indices=(0, 1)))
    outs = vit(torch.randn(2, 3, 62, 90))
    # 62 -> 56 (2 x 2 patches of 14), 90 -> 84 (6 patches)
    assert len(outs) == 2
    assert outs[0][0].shape == (2, 24, 4, 6) and outs[0][1].shape == (2, 24)
    assert isinstance(vit.blocks[0].attn.core, BinaryAttentionCore)
    with pytest.raises(ValueError, match='two patches'):
        vit(torch.randn(1, 3, 20, 40))
    strict = MODELS.build(
        dict(type='BiDenseViT', arch=TINY, resize_input=False))
    with pytest.raises(ValueError, match='divisible'):
        strict(torch.randn(1, 3, 30, 28))
    with pytest.raises(ValueError, match='twice'):
        MODELS.build(dict(type='BiDenseViT', arch=TINY, out_indices=(0, -2)))


def test_backbone_with_mmseg_dpt_head():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    vit = MODELS.build(
        dict(type='BiDenseViT', arch=dict(TINY, depth=4), img_size=56))
    head = MODELS.build(
        dict(type='DPTHead', in_channels=(24, 24, 24, 24), channels=16,
             embed_dims=24, post_process_channels=[8, 8, 16, 16],
             num_classes=5, in_index=(0, 1, 2, 3),
             input_transform='multiple_select', patch_size=14,
             readout_type='project'))
    logits = head(list(vit(torch.randn(1, 3, 56, 56))))
    assert logits.shape == (1, 5, 32, 32)  # 4x4 tokens -> x8
    logits.sum().backward()
    assert vit.blocks[-1].fc2.weight.grad.abs().sum() > 0


def test_complexity_counts_binary_linear_and_attention():
    torch.manual_seed(0)
    vit = MODELS.build(
        dict(type='BiDenseViT', arch=TINY, img_size=28,
             output_cls_token=False)).eval()
    # 28x28 input -> 2x2 patches + cls = 5 tokens of 24 features
    res = analyze_complexity(torch.nn.Sequential(vit), torch.randn(
        1, 3, 28, 28))
    n, c, hid, heads = 5, 24, 48, 2
    per_block = (n * c * 3 * c + n * c * c + 2 * n * c * hid +
                 2 * heads * n * n * (c // heads))
    assert res['bops'] == 2 * per_block
    assert res['flops'] == 4 * c * 3 * 14 * 14  # the FP patch embedding
    n_bin = sum(m.weight.numel() for m in vit.modules()
                if isinstance(m, BinaryLinear))
    assert res['params_bin'] == n_bin
