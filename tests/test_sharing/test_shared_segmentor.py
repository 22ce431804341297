# Copyright (c) mmbin contributors. All rights reserved.
import os.path as osp

import pytest
import torch
from mmseg.registry import MODELS

from mmbin.models.sharing import DeltaConv2d, summarize_records


def build(cfg):
    return MODELS.build(cfg)


def test_zero_delta_subtask_reproduces_base(resnet_cfg):
    torch.manual_seed(0)
    model = build(resnet_cfg()).eval()
    assert isinstance(model.backbone.layer1[0].conv1, DeltaConv2d)
    x = torch.randn(2, 3, 32, 32)
    ctx = model.sharing_ctx
    with torch.no_grad():
        ctx.begin_forward()
        with ctx.task_scope(None):
            base = model._encode(x)
        for task in model.sub_tasks:
            with ctx.task_scope(task):
                sub = model._encode(x)
            assert all(torch.equal(b, s) for b, s in zip(base, sub))
        feats, _ = model.forward_features(x)
    # every sub-task layer reused the base task's output: 0 effective MACs
    summary = summarize_records(model.last_records)
    assert summary['seg']['eff_macs'] == summary['seg']['dense_macs'] > 0
    for task in model.sub_tasks:
        assert summary[task]['eff_macs'] == 0
        assert summary[task]['nnz'] == 0
    assert set(feats['preds']) == {'seg', 'depth', 'normal', 'edge'}


def test_training_updates_only_deltas_and_subtask_decoders(resnet_cfg,
                                                           samples):
    torch.manual_seed(0)
    model = build(resnet_cfg(l0_weight=1.0, act_l1_weight=0.5,
                             threshold=0.01))
    model.train()
    assert not model.backbone.stem[1].training  # frozen base norms
    pd = model.backbone.layer1[0].conv1.deltas['depth']['weight']
    assert pd.training and pd.gate.training  # stochastic gates
    stats = model.backbone.stem[1].running_mean.clone()
    losses = model.loss(torch.randn(2, 3, 32, 32), samples(2))
    for task in model.sub_tasks:
        assert f'{task}.loss_l0' in losses and f'{task}.loss_act_l1' in losses
        assert 0 < losses[f'{task}.w_density'] <= 1
    assert not any(k.startswith('seg.') for k in losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert torch.equal(stats, model.backbone.stem[1].running_mean)
    for name, p in model.named_parameters():
        frozen = (name.startswith('backbone.') and '.deltas.' not in name) \
            or name.startswith(('decoders.seg.', 'decode_heads.seg.'))
        assert p.requires_grad != frozen, name
        if frozen:
            assert p.grad is None, name
    delta = model.backbone.layer1[0].conv1.deltas['depth']['weight']
    assert delta.delta.grad is not None and delta.delta.grad.abs().sum() > 0
    assert delta.gate.log_alpha.grad is not None


def test_fix_mask_with_density(resnet_cfg):
    torch.manual_seed(0)
    model = build(resnet_cfg(fix_mask=True, fix_mask_density=0.25))
    for pd in model._param_deltas():
        with torch.no_grad():
            pd.delta.normal_()
    model.init_weights()
    for task, s in model.weight_sharing_summary().items():
        assert s['nonzero'] == pytest.approx(0.25 * s['params'], abs=2)
        assert s['shared_pct'] == pytest.approx(75, abs=0.1)
    pd = model._param_deltas('depth')[0]
    assert pd.fixed and not pd.gate.log_alpha.requires_grad
    losses = model.train().loss(torch.randn(2, 3, 32, 32),
                                _samples_for(model) * 2)
    assert 'depth.loss_l0' not in losses  # nothing gated any more


def _samples_for(model):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    s = SegDataSample(metainfo=dict(img_shape=(32, 32), ori_shape=(32, 32),
                                    pad_shape=(32, 32)))
    s.gt_sem_seg = PixelData(data=torch.zeros(1, 32, 32, dtype=torch.long))
    s.gt_depth_map = PixelData(data=torch.ones(1, 32, 32))
    s.gt_normal_map = PixelData(data=torch.ones(3, 32, 32) / 3**0.5)
    s.gt_edge_map = PixelData(data=torch.zeros(1, 32, 32, dtype=torch.long))
    return [s]


def _save_step1(tmp_path, resnet_cfg, task, seed):
    torch.manual_seed(seed)
    single = build(resnet_cfg(tasks=(task, ), shared=False))
    path = osp.join(str(tmp_path), f'step1_{task}.pth')
    torch.save(dict(state_dict=single.state_dict()), path)
    return single, path


def test_init_from_single_task_checkpoints(tmp_path, resnet_cfg):
    singles, entries = {}, {}
    for i, task in enumerate(('seg', 'depth', 'normal', 'edge')):
        singles[task], path = _save_step1(tmp_path, resnet_cfg, task, i)
        entries[task] = dict(checkpoint=path, config=f'cfg_{task}.py')
    cfg = resnet_cfg()
    cfg['init_from'] = dict(single_task=entries)
    model = build(cfg)
    model.init_weights()
    sd = model.state_dict()
    seg = singles['seg'].state_dict()
    assert torch.equal(sd['backbone.layer1.0.conv1.weight'],
                       seg['backbone.layer1.0.conv1.weight'])
    assert torch.equal(sd['decoders.seg.fuse_conv.conv.weight'],
                       seg['decoder.fuse_conv.conv.weight'])
    dep = singles['depth'].state_dict()
    assert torch.equal(sd['decoders.depth.fuse_conv.conv.weight'],
                       dep['decoder.fuse_conv.conv.weight'])
    assert torch.equal(sd['decode_heads.depth.conv_seg.weight'],
                       dep['decode_heads.depth.conv_seg.weight'])
    # the sub-task's own backbone is not used: it starts from the base
    assert not torch.equal(sd['backbone.layer1.0.conv1.weight'],
                           dep['backbone.layer1.0.conv1.weight'])

    # a checkpoint of the next step loads through previous_step
    step2 = osp.join(str(tmp_path), 'step2.pth')
    torch.save(dict(state_dict=model.state_dict()), step2)
    cfg = resnet_cfg(fix_mask=True)
    cfg['init_from'] = dict(
        previous_step=dict(checkpoint=step2, config='step2.py'))
    nxt = build(cfg)
    nxt.init_weights()
    assert torch.equal(nxt.state_dict()['decoders.depth.fuse_conv.conv.'
                                        'weight'],
                       sd['decoders.depth.fuse_conv.conv.weight'])
    assert all(pd.fixed for pd in nxt._param_deltas())


def test_init_from_errors(tmp_path, resnet_cfg):
    cfg = resnet_cfg()
    cfg['init_from'] = dict(single_task=dict(
        seg=dict(checkpoint=str(tmp_path / 'missing_dir'),
                 config='configs/sharing/x_step1_seg.py')))
    model = build(cfg)
    with pytest.raises(FileNotFoundError,
                       match='python tools/train.py configs/sharing/'
                       'x_step1_seg.py'):
        model.init_weights()
    # a checkpoint of another architecture is refused with the config name
    _, path = _save_step1(tmp_path, resnet_cfg, 'depth', 0)
    cfg['init_from'] = dict(single_task=dict(
        seg=dict(checkpoint=path, config='cfg_seg.py')))
    with pytest.raises(RuntimeError, match='cfg_seg.py'):
        build(cfg).init_weights()
    cfg['init_from'] = dict(single_task=dict(depth=dict(checkpoint=path)))
    with pytest.raises(KeyError, match='base'):
        build(cfg)
    with pytest.raises(KeyError, match='sharing keys'):
        build(resnet_cfg(thresh=0.1))
    bad = resnet_cfg()
    bad['base_task'] = 'parts'
    with pytest.raises(KeyError, match='base_task'):
        build(bad)


def test_init_from_refuses_another_architecture(tmp_path, resnet_cfg):
    from mmengine.config import Config
    single_cfg = resnet_cfg(tasks=('seg', ), shared=False)
    single_cfg['decoder']['bypass'] = True  # same shapes, other maths
    single = build(single_cfg)
    path = str(tmp_path / 'seg.pth')
    meta = dict(cfg=Config(dict(model=single_cfg)).pretty_text)
    torch.save(dict(state_dict=single.state_dict(), meta=meta), path)
    cfg = resnet_cfg()
    cfg['init_from'] = dict(single_task=dict(
        seg=dict(checkpoint=path, config='step1_seg.py')))
    with pytest.raises(RuntimeError, match='decoder.bypass: True != False'):
        build(cfg).init_weights()
    # the same architecture (defaults spelled out or not) loads
    single_cfg['decoder'].pop('bypass')
    single_cfg['decode_heads']['seg']['bypass'] = False
    meta = dict(cfg=Config(dict(model=single_cfg)).pretty_text)
    torch.save(dict(state_dict=single.state_dict(), meta=meta), path)
    build(cfg).init_weights()


def test_predict_writes_every_task(resnet_cfg, samples):
    model = build(resnet_cfg(threshold=0.1)).eval()
    with torch.no_grad():
        out = model.predict(torch.randn(2, 3, 32, 32), samples(2))
    for s in out:
        for field in ('pred_sem_seg', 'pred_depth_map', 'pred_normal_map',
                      'pred_edge_map'):
            assert field in s
