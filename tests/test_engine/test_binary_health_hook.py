# Copyright (c) mmbin contributors. All rights reserved.
"""BinaryHealthHook: flip ratio, latent magnitude and clip ratio against
hand computation, the scalars it writes, and a real Runner."""
import glob
import json
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub, MMLogger
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from torch.utils.data import Dataset

from mmbin.engine.hooks import BinaryHealthHook
from mmbin.engine.hooks.binary_health_hook import default_group, sign_argument
from mmbin.ops import BinaryConv2d
from mmbin.ops.sign import binary_sign


class Toy(nn.Module):
    """backbone.layer1 (ApproxSign), backbone.layer2 (RSign) and decoder
    (DAB, XNOR weights), plus a full-precision head."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Module()
        self.backbone.layer1 = BinaryConv2d(
            2, 4, 3, padding=1, act_binarizer=dict(type='ApproxSign'))
        self.backbone.layer2 = BinaryConv2d(
            4, 4, 1, act_binarizer=dict(type='RSign'))
        self.decoder = BinaryConv2d(
            4, 3, 3, padding=1, act_binarizer=dict(type='DAB'),
            weight_binarizer=dict(type='XNORWeight'))
        self.head = nn.Conv2d(3, 1, 1)

    def forward(self, x):
        x = self.backbone.layer2(self.backbone.layer1(x))
        return self.head(self.decoder(x))


def _fake_runner(model, tmp_path, it=0):
    vis = Visualizer(
        name=f'health_{tmp_path.name}',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path))
    return SimpleNamespace(
        model=model, iter=it, visualizer=vis,
        message_hub=MessageHub(name=f'health_{tmp_path.name}'),
        logger=MMLogger.get_instance(f'health_{tmp_path.name}'))


def test_default_group():
    assert default_group('backbone.layer1.0.conv1') == 'backbone.layer1'
    assert default_group('backbone.stages.2.0.dwconv') == 'backbone.stages.2'
    assert default_group('backbone.stem.conv') == 'backbone.stem'
    assert default_group('decode_heads.seg.convs.0.conv') == \
        'decode_heads.seg'
    assert default_group('decoder.fuse_conv.conv') == 'decoder'
    assert default_group('neck.branches.3.conv_mu') == 'neck'


def test_flip_ratio_and_latent_magnitude_by_hand():
    torch.manual_seed(0)
    model = Toy()
    hook = BinaryHealthHook(interval=1)
    with torch.no_grad():
        model.backbone.layer1.weight[0, 0, 0, 0] = 0.5
    hook.setup(model)
    assert [n for n, _ in hook._weights] == [
        'backbone.layer1', 'backbone.layer2', 'decoder'
    ]
    with torch.no_grad():  # one sign flip in layer1
        model.backbone.layer1.weight[0, 0, 0, 0] = -0.25
        model.decoder.weight[1, 2, 0, 1] *= 3.0  # same sign, new magnitude
    stats = hook.weight_stats()
    assert list(stats['flip_ratio']) == [
        'backbone.layer1', 'backbone.layer2', 'decoder', 'all'
    ]
    n1 = model.backbone.layer1.weight.numel()
    n_all = sum(m.weight.numel() for _, m in hook._weights)
    assert stats['flip_ratio'] == pytest.approx({
        'backbone.layer1': 1 / n1,
        'backbone.layer2': 0.0,
        'decoder': 0.0,
        'all': 1 / n_all
    })
    for name, m in hook._weights:
        assert stats['latent_abs_mean'][name] == pytest.approx(
            m.weight.abs().mean().item(), rel=1e-6)
    all_abs = torch.cat([m.weight.detach().abs().flatten()
                         for _, m in hook._weights]).mean().item()
    assert stats['latent_abs_mean']['all'] == pytest.approx(all_abs)
    # the snapshot moved on: nothing flipped since
    assert hook.weight_stats()['flip_ratio']['all'] == 0.0
    with torch.no_grad():
        model.decoder.weight.neg_()
    flips = hook.weight_stats()['flip_ratio']
    d = model.decoder.weight
    assert flips['decoder'] == pytest.approx(
        (d != 0).sum().item() / d.numel())


def test_clip_ratio_by_hand_and_probe_removal():
    torch.manual_seed(0)
    model = Toy()
    with torch.no_grad():
        model.backbone.layer2.act_binarizer.threshold.copy_(
            torch.tensor([0.3, -0.2, 0.0, 1.0]))
    hook = BinaryHealthHook(interval=1, groups=dict(
        bb='backbone', dec=['decoder']))
    hook.setup(model)
    # layer1's input: 1 of every 4 values at or beyond the clip
    x = torch.tensor([0.2, -0.5, 1.0, 0.9]).repeat(2 * 2 * 4 * 2).view(
        2, 2, 4, 8)
    seen = {}
    handles = [
        m.register_forward_pre_hook(
            lambda mod, args, key=key: seen.__setitem__(key, args[0]))
        for key, m in (('l2', model.backbone.layer2), ('dec',
                                                       model.decoder))
    ]
    hook.start_clip_probe()
    assert 'binarize' in model.decoder.act_binarizer.__dict__
    model(x)
    clip = hook.stop_clip_probe()
    for h in handles:
        h.remove()
    assert all('binarize' not in b.__dict__ for _, b in hook._binarizers)
    # by hand: RSign compares x - a_c, DAB its shifted input s
    a = model.backbone.layer2.act_binarizer.threshold.view(1, -1, 1, 1)
    u2 = seen['l2'] - a
    dab = model.decoder.act_binarizer
    xd = seen['dec']
    s = xd - (dab.k.view(1, -1, 1, 1) * xd.mean(dim=(2, 3), keepdim=True) +
              dab.b.view(1, -1, 1, 1))
    hits_bb = (x.abs() >= 1).sum() + (u2.abs() >= 1).sum()
    count_bb = x.numel() + u2.numel()
    assert (x.abs() >= 1).float().mean().item() == 0.25
    assert clip['bb'] == pytest.approx(hits_bb.item() / count_bb)
    assert clip['dec'] == pytest.approx((s.abs() >= 1).float().mean().item())
    assert clip['all'] == pytest.approx(
        (hits_bb + (s.abs() >= 1).sum()).item() /
        (count_bb + s.numel()))
    # the sign arguments are what the binarizers take the sign of
    b, _ = dab.binarize(xd)
    assert torch.equal(b, binary_sign(sign_argument(dab, xd)))
    # a forward without the probe counts nothing new
    model(x)
    assert hook.stop_clip_probe() == clip


def test_hook_writes_scalars_every_interval(tmp_path):
    torch.manual_seed(0)
    model = Toy()
    runner = _fake_runner(model, tmp_path)
    hook = BinaryHealthHook(interval=2)
    hook.before_train(runner)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    x = torch.randn(2, 2, 8, 8)
    for it in range(4):
        runner.iter = it
        hook.before_train_iter(runner, it)
        assert ('binarize' in model.decoder.act_binarizer.__dict__) == (
            it % 2 == 1)
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
        hook.after_train_iter(runner, it)
        assert 'binarize' not in model.decoder.act_binarizer.__dict__
    files = glob.glob(osp.join(str(tmp_path), '**', 'scalars.json'),
                      recursive=True)
    assert len(files) == 1
    rows = [json.loads(line) for line in open(files[0])]
    assert [r['step'] for r in rows] == [2, 4]
    groups = ('backbone.layer1', 'backbone.layer2', 'decoder', 'all')
    for row in rows:
        for metric in ('flip_ratio', 'latent_abs_mean', 'clip_ratio'):
            for g in groups:
                key = f'binary_health/{metric}/{g}'
                assert key in row and 0 <= row[key], key
                assert metric == 'latent_abs_mean' or row[key] <= 1
    hub = runner.message_hub.get_scalar('binary_health/flip_ratio/all')
    assert hub.current() == rows[-1]['binary_health/flip_ratio/all']
    # lr 0.5 moves some latent weights across zero
    assert rows[0]['binary_health/flip_ratio/all'] > 0


def test_bad_arguments():
    with pytest.raises(ValueError, match='interval'):
        BinaryHealthHook(interval=0)
    with pytest.raises(ValueError, match='clip_value'):
        BinaryHealthHook(clip_value=0)
    with pytest.raises(TypeError, match='groups'):
        BinaryHealthHook(groups=['backbone'])


class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        toy = Toy()
        self.backbone, self.decoder, self.head = (toy.backbone, toy.decoder,
                                                  toy.head)
        self.__dict__['toy'] = toy  # same modules, not registered twice

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.toy(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=out.square().mean())
        return out


class _ToyData(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(2, 8, 8, generator=g))


def test_real_runner_logs_to_the_visualizer(tmp_path):
    runner = Runner(
        model=_ToyModel(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=_ToyData(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            collate_fn=dict(type='pseudo_collate'),
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=4),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[dict(type='BinaryHealthHook', interval=2)],
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=None),
        visualizer=dict(type='Visualizer',
                        vis_backends=[dict(type='LocalVisBackend')]),
        default_scope='mmseg',
        experiment_name='health')
    runner.train()
    files = glob.glob(osp.join(str(tmp_path), '**', 'scalars.json'),
                      recursive=True)
    rows = [json.loads(line) for f in files for line in open(f)]
    health = [r for r in rows if 'binary_health/flip_ratio/all' in r]
    assert [r['step'] for r in health] == [2, 4]
    assert all('binary_health/clip_ratio/backbone.layer1' in r
               for r in health)
    log = open(glob.glob(osp.join(str(tmp_path), '**', '*.log'),
                         recursive=True)[0]).read()
    assert 'binary health (iter 4): flip_ratio:' in log
