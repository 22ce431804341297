# Copyright (c) mmbin contributors. All rights reserved.
"""Task heads and the shared decoder: shapes, losses, predictions, and
binarization through ``conv_cfg`` with a full-precision prediction layer."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmbin  # noqa: F401
from mmbin.ops import BinaryConv2d

N, C_IN, H, W = 2, 16, 8, 10  # head input; ground truth at 4x


def _samples():
    torch.manual_seed(0)
    out = []
    for _ in range(N):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, 4 * H, 4 * W)))
        depth = torch.rand(1, 4 * H, 4 * W) * 4
        depth[:, :3] = 0  # invalid rows
        s.gt_depth_map = PixelData(data=depth)
        s.gt_normal_map = PixelData(
            data=F.normalize(torch.randn(3, 4 * H, 4 * W), dim=0))
        edge = (torch.rand(1, 4 * H, 4 * W) > 0.9).long()
        edge[:, -2:] = 255
        s.gt_edge_map = PixelData(data=edge)
        s.gt_parts = PixelData(data=torch.randint(0, 7, (1, 4 * H, 4 * W)))
        s.gt_saliency = PixelData(
            data=(torch.rand(1, 4 * H, 4 * W) > 0.5).long())
        out.append(s)
    return out


HEADS = {
    'SegTaskHead': (dict(num_classes=5), 5, 'seg.loss_ce',
                    {'pred_sem_seg', 'seg_logits'}),
    'PartsTaskHead': (dict(), 7, 'loss_ce', {'pred_parts', 'parts_logits'}),
    'DepthTaskHead': (dict(), 1, 'loss_depth', {'pred_depth_map'}),
    'NormalTaskHead': (dict(), 3, 'loss_normal', {'pred_normal_map'}),
    'EdgeTaskHead': (dict(), 1, 'loss_edge', {'pred_edge_map'}),
    'SaliencyTaskHead': (dict(), 1, 'loss_saliency', {'pred_saliency'}),
}


@pytest.mark.parametrize('head_type', sorted(HEADS))
@pytest.mark.parametrize('binary', [False, True])
def test_head_forward_loss_predict(head_type, binary):
    extra, out_ch, loss_key, fields = HEADS[head_type]
    cfg = dict(type=head_type, in_channels=C_IN, channels=8, num_convs=2,
               **extra)
    if binary:
        cfg.update(conv_cfg=dict(type='ReActConv'), bypass=True,
                   act_cfg=dict(type='RPReLU'))
    head = MODELS.build(cfg)
    head.init_weights()
    convs = [m for m in head.modules() if isinstance(m, nn.Conv2d)]
    binary_convs = [m for m in convs if isinstance(m, BinaryConv2d)]
    assert len(binary_convs) == (2 if binary else 0)
    # the 1x1 prediction layer always stays full precision
    assert type(head.conv_seg) is nn.Conv2d
    assert head.conv_seg.kernel_size == (1, 1)

    feats = (torch.randn(N, C_IN, H, W), )
    out = head(feats)
    assert out.shape == (N, out_ch, H, W)
    losses = head.loss_by_feat(out, _samples())
    key = loss_key.split('.')[-1]
    assert key in losses and torch.isfinite(losses[key])
    losses[key].backward()
    assert head.conv_seg.weight.grad is not None
    assert head.convs[0].conv.weight.grad.abs().sum() > 0

    fields_out = head.postprocess(out[0].detach())
    assert set(fields_out) == fields
    for name, value in fields_out.items():
        assert value.data.shape[1:] == (H, W)


def test_head_outputs_are_in_task_range():
    feats = (torch.randn(N, C_IN, H, W) * 10, )
    depth = MODELS.build(dict(type='DepthTaskHead', in_channels=C_IN,
                              channels=8, max_depth=3.))
    d = depth(feats)
    assert (d >= 0).all() and (d <= 3.).all()
    normal = MODELS.build(dict(type='NormalTaskHead', in_channels=C_IN,
                               channels=8))
    n = normal.postprocess(normal(feats)[0])['pred_normal_map'].data
    assert torch.allclose(n.norm(dim=0), torch.ones(H, W), atol=1e-5)
    edge = MODELS.build(dict(type='EdgeTaskHead', in_channels=C_IN,
                             channels=8))
    p = edge.postprocess(edge(feats)[0])['pred_edge_map'].data
    assert (p >= 0).all() and (p <= 1).all()
    seg = MODELS.build(dict(type='SegTaskHead', in_channels=C_IN, channels=8,
                            num_classes=5))
    fields = seg.postprocess(seg(feats)[0])
    assert fields['pred_sem_seg'].data.shape == (1, H, W)
    assert fields['pred_sem_seg'].data.max() < 5


def test_normal_flip_back_negates_x():
    head = MODELS.build(dict(type='NormalTaskHead', in_channels=C_IN,
                             channels=8))
    n = torch.randn(1, 3, 2, 3)
    back = head.flip_back(n, 'horizontal')
    assert torch.equal(back[:, 0], -n[:, 0].flip(dims=(2, )))
    assert torch.equal(back[:, 1:], n[:, 1:].flip(dims=(3, )))
    seg = MODELS.build(dict(type='SegTaskHead', in_channels=C_IN, channels=8,
                            num_classes=5))
    assert torch.equal(seg.flip_back(n, 'vertical'), n.flip(dims=(2, )))


def test_depth_head_silog_option_and_missing_gt_error():
    head = MODELS.build(dict(
        type='DepthTaskHead', in_channels=C_IN, channels=8,
        loss_decode=[dict(type='DepthL1Loss'),
                     dict(type='MaskedSILogLoss', loss_weight=0.1)]))
    out = head((torch.randn(N, C_IN, H, W), ))
    losses = head.loss_by_feat(out, _samples())
    assert set(losses) == {'loss_depth', 'loss_silog'}
    bare = [SegDataSample() for _ in range(N)]
    with pytest.raises(KeyError, match='gt_depth_map'):
        head.loss_by_feat(out, bare)


def test_fpn_decoder_shapes_and_binarization():
    cfg = dict(type='MultiTaskFPNDecoder', in_channels=[8, 16, 32],
               in_index=(0, 1, 2), channels=12)
    feats = [torch.randn(2, 8, 16, 16), torch.randn(2, 16, 8, 8),
             torch.randn(2, 32, 4, 4)]
    fp = MODELS.build(cfg)
    outs = fp(feats)
    assert len(outs) == 4 and fp.out_channels == [12] * 4
    assert outs[0].shape == (2, 12, 16, 16)
    assert outs[3].shape == (2, 12, 4, 4)
    binary = MODELS.build(dict(cfg, conv_cfg=dict(type='BNNConv'),
                               bypass=True, act_cfg=dict(type='PReLU')))
    kinds = [type(m).__name__ for m in binary.modules()
             if isinstance(m, nn.Conv2d)]
    # 3 FP 1x1 laterals, 3 binary FPN 3x3 convs and the binary fusion conv
    assert kinds.count('BNNConv') == 4 and kinds.count('Conv2d') == 3
    outs = binary(feats)
    outs[0].sum().backward()
    assert binary.fuse_conv.conv.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='in_index'):
        MODELS.build(dict(cfg, in_index=(0, 1)))
    summed = MODELS.build(dict(cfg, fusion='sum'))
    assert summed.fuse_conv.conv.in_channels == 12
    assert summed(feats)[0].shape == (2, 12, 16, 16)
    with pytest.raises(ValueError, match='fusion'):
        MODELS.build(dict(cfg, fusion='max'))


def test_dense_task_head_defaults_and_overrides():
    """A new dense task is a DenseTaskHead subclass with class defaults;
    config keys override them and a num_classes is ignored."""
    from mmengine.structures import PixelData as PD

    from mmbin.models.decode_heads import DenseTaskHead

    class TwoChannelHead(DenseTaskHead):
        task_name = 'two'
        num_outputs = 2
        default_gt_key = 'gt_depth_map'
        default_pred_key = 'pred_two'
        default_loss_decode = dict(type='DepthL1Loss', loss_name='loss_two')

        def postprocess(self, out):
            return {self.pred_key: PD(data=out)}

    head = TwoChannelHead(C_IN, 8, num_classes=9)
    assert head.out_channels == 2 and head.conv_seg.out_channels == 2
    assert (head.gt_key, head.pred_key) == ('gt_depth_map', 'pred_two')
    assert head.loss_decode.loss_name == 'loss_two'
    # the default config is copied, not shared between instances
    head.loss_decode.loss_weight = 5.
    assert TwoChannelHead.default_loss_decode.get('loss_weight') is None
    out = head([torch.randn(N, C_IN, H, W)])
    samples = _samples()
    for s in samples:
        s.gt_depth_map = PixelData(data=s.gt_depth_map.data.repeat(2, 1, 1))
    losses = head.loss_by_feat(out, samples)
    gt = torch.stack([s.gt_depth_map.data for s in samples])
    up = F.interpolate(out, size=gt.shape[2:], mode='bilinear',
                       align_corners=False)
    valid = gt > 0
    assert torch.allclose(losses['loss_two'],
                          5. * (up - gt).abs()[valid].mean())
    other = TwoChannelHead(
        C_IN, 8, gt_key='gt_normal_map', pred_key='p',
        loss_decode=dict(type='NormalLoss', loss_weight=2.))
    assert (other.gt_key, other.pred_key) == ('gt_normal_map', 'p')
    assert other.loss_decode.loss_name == 'loss_normal'
    edge = MODELS.build(dict(type='EdgeTaskHead', in_channels=C_IN,
                             channels=8, num_classes=4))
    assert (edge.gt_key, edge.pred_key) == ('gt_edge_map', 'pred_edge_map')
    assert edge.out_channels == 1
