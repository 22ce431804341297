# Copyright (c) mmbin contributors. All rights reserved.
"""Part 2 of the reference points: the ``sharing`` keys of the delta
options, the summed L1 term, temporal-sparsity training between frames
and the inference path that skips the tokens a zero delta makes
unnecessary (exact against the dense path with the same deltas
masked)."""
import pytest
import torch
from mmseg.registry import MODELS

from mmbin.models.sharing import DeltaConv2d, DeltaLinear, delta_layers


def tiny_vit_model(resnet_cfg, vit_cfg, **sharing):
    """A sharing segmentor with the tiny ViT, a two-level neck and the
    tiny FPN decoder."""
    cfg = resnet_cfg(**sharing)
    cfg['backbone'] = vit_cfg()
    cfg['neck'] = dict(type='MultiLevelNeck', in_channels=[32, 32],
                       out_channels=8, scales=[2, 1])
    cfg['decoder'].update(in_channels=[8, 8], in_index=(0, 1))
    cfg['sharing']['layers'] = ['backbone.*', 'neck.*']
    torch.manual_seed(0)
    return MODELS.build(cfg)


def _set_deltas(model, std=0.05, only=None):
    """Random deltas for every sub-task (only in the layers whose names
    contain a fragment of ``only``, if given; zero elsewhere), fixed as a
    mask (the step-3 state)."""
    torch.manual_seed(1)
    for name, layer in delta_layers(model).items():
        for pd in (p for per in layer.deltas.values() for p in per.values()):
            with torch.no_grad():
                pd.delta.normal_(0, std)
                if only is not None and not any(z in name for z in only):
                    pd.delta.zero_()
            pd.fix_()


def _samples_of(samples, frames):
    out = samples(len(frames), h=32, w=48)
    for s, (seq, k) in zip(out, frames):
        s.set_metainfo(dict(sequence=seq, frame_index=k))
    return out


def test_delta_options_as_sharing_keys(resnet_cfg):
    model = MODELS.build(resnet_cfg(activation_side='input',
                                    tensor_l0='grouped'))
    conv = model.backbone.layer1[0].conv1
    assert conv.activation_side == 'input'
    assert conv.deltas['depth']['weight'].tensor_l0 == 'grouped'
    # the same value in both places is fine, two values are an error
    MODELS.build(resnet_cfg(activation_side='input',
                            delta_cfg=dict(activation_side='input')))
    with pytest.raises(ValueError, match='contradicts'):
        MODELS.build(resnet_cfg(activation_side='input',
                                delta_cfg=dict(activation_side='output')))
    with pytest.raises(ValueError, match='threshold_granularity'):
        MODELS.build(resnet_cfg(threshold_granularity='row'))
    with pytest.raises(ValueError, match='fix_mask'):
        MODELS.build(resnet_cfg(temporal_l1_weight=1.0))
    with pytest.raises(ValueError, match='temporal_distance'):
        MODELS.build(resnet_cfg(fix_mask=True, temporal_l1_weight=1.0,
                                temporal_distance=0))


def test_temporal_pairs_pick_the_right_frames(resnet_cfg, samples):
    model = MODELS.build(resnet_cfg(fix_mask=True, temporal_l1_weight=1.0,
                                    temporal_distance=2))
    frames = [('a', 3), ('a', 4), ('a', 5), ('a', 6), ('b', 0), ('b', 2),
              ('a', 9)]
    pairs = model.temporal_pairs(_samples_of(samples, frames))
    # (later, earlier): a5-a3, a6-a4, b2-b0; a9 and the rest have none
    assert pairs == [(2, 0), (3, 1), (5, 4)]
    bad = samples(2)
    with pytest.raises(ValueError, match='frame_index'):
        model.temporal_pairs(bad)


def test_temporal_l1_between_frames_with_gradients(resnet_cfg, vit_cfg,
                                                   samples):
    """``temporal_l1_weight * sum |y_t - y_{t-d}|`` over the sub-tasks'
    outputs of the layers outside ``video.cross_task_layers``; the
    earlier frame is a constant, the later frame carries the gradient;
    frames without a partner are left out."""
    w = 1e-3
    model = tiny_vit_model(resnet_cfg, vit_cfg, fix_mask=True,
                           train_threshold='none', temporal_l1_weight=w,
                           temporal_distance=2)
    # block 1's FFN and the neck share with the previous frame in video
    cross = ['backbone.patch_embed*', 'backbone.layers.0.*',
             'backbone.layers.1.attn*']
    model.video_cfg = dict(keyframe_interval=4, temporal_threshold=0.1,
                           cross_task_layers=cross)
    _set_deltas(model, std=0.02)
    outs = {}

    def keep(module, args, out):
        ctx = model.sharing_ctx
        if ctx.task is not None:
            y = out[0] if isinstance(out, tuple) else out
            outs.setdefault((ctx.task, module.share_key), []).append(y)

    for layer in delta_layers(model).values():
        if isinstance(layer, (DeltaLinear, DeltaConv2d)):
            layer.register_forward_hook(keep)
    frames = torch.randn(4, 3, 32, 48)
    batch = _samples_of(samples, [('s', 0), ('s', 1), ('s', 2), ('t', 7)])
    model.train()
    losses = model.loss(frames, batch)
    assert losses['temporal_pairs'].item() == 1  # frames 2 and 0 of 's'
    temporal = model.sharing_ctx.temporal_keys
    assert temporal == {
        k for k in model.sharing_ctx.layer_order
        if k.startswith(('backbone.layers.1.ffn', 'neck.'))
    }
    assert len(temporal) == 6  # fc1, fc2, four neck convs
    expect = 0.0
    keys = [k for (t, k) in outs if t == 'depth' and k in temporal]
    assert set(keys) == temporal
    for k in keys:
        earlier, later = outs[('depth', k)]
        expect += float((later - earlier).abs().sum())
    assert losses['depth.loss_temporal_l1'].item() == pytest.approx(
        w * expect, rel=1e-5)
    # gradients reach the deltas (through the later frame)
    loss = losses['depth.loss_temporal_l1']
    assert loss.requires_grad
    params = [pd.delta for pd in model._param_deltas('depth')]
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    assert sum(float(g.abs().sum()) for g in grads if g is not None) > 0
    assert model.sharing_ctx.temporal_mode is None
    # the earlier frame is frame 0 of 's', the later one frame 2
    seen = {k: v[:2] for k, v in outs.items()}
    outs.clear()
    with torch.no_grad():
        model.forward_features(frames[[0, 2]])
    for k in keys:
        earlier, later = seen[('depth', k)]
        both = outs[('depth', k)][0]
        torch.testing.assert_close(earlier, both[:1])
        assert not earlier.requires_grad and later.requires_grad


def test_temporal_l1_no_pair_is_an_error(resnet_cfg, samples):
    model = MODELS.build(resnet_cfg(fix_mask=True, temporal_l1_weight=1.0,
                                    temporal_distance=3)).train()
    batch = _samples_of(samples, [('s', 0), ('s', 1)])
    with pytest.raises(ValueError, match='shuffle=False'):
        model.loss(torch.randn(2, 3, 32, 48), batch)


def _run(model, img, skip, meta=None):
    model.sharing_ctx.skip_unchanged = skip
    with torch.no_grad():
        if meta is None:
            feats, _ = model.forward_features(img)
        else:
            model.video_state.begin_frame(meta, model.video_cfg)
            feats, _ = model.forward_features(img)
    return feats['preds'], list(model.last_records)


def test_skipping_equals_the_masked_dense_path(resnet_cfg, vit_cfg):
    """At a non-zero (token) threshold, the path that computes only the
    changed tokens of the qualifying layers equals the dense path with the
    same deltas masked; the layers of a sub-task with a zero weight delta
    qualify, the others run in full."""
    model = tiny_vit_model(resnet_cfg, vit_cfg, fix_mask=True,
                           threshold_granularity='token')
    # only block 0's attention has weight deltas
    _set_deltas(model, std=0.05, only=('layers.0.attn', ))
    model.eval()
    img = torch.randn(1, 3, 32, 48)
    rows = {}

    def keep(module, args, out):
        rows[model.sharing_ctx.task] = out[0]

    proj = model.backbone.layers[0].attn.attn.out_proj
    handle = proj.register_forward_hook(keep)
    _run(model, img, skip=False)
    handle.remove()
    # a threshold that drops about half of the projection's token deltas
    per_token = (rows['depth'] - rows[None]).abs().mean(-1).flatten()
    model.sharing_ctx.threshold = float(per_token.median())
    model.threshold = model.sharing_ctx.threshold
    dense, rec_d = _run(model, img, skip=False)
    calls = []
    orig = torch.nn.functional.linear

    def counting(x, w, b=None):
        calls.append(x.reshape(-1, x.shape[-1]).shape[0])
        return orig(x, w, b)

    torch.nn.functional.linear = counting
    try:
        skipped, rec_s = _run(model, img, skip=True)
    finally:
        torch.nn.functional.linear = orig
    for task in dense:
        torch.testing.assert_close(skipped[task], dense[task], rtol=1e-5,
                                   atol=1e-5)
    # the same thresholded deltas on both paths
    assert [(r['key'], r['task'], r['out_nnz']) for r in rec_s] == \
        [(r['key'], r['task'], r['out_nnz']) for r in rec_d]
    # block 1 sees the dropped tokens unchanged: its qkv computes fewer
    # rows than the 25 tokens (24 patches and the class token)
    qkv = [r for r in rec_d if r['task'] == 'depth'
           and r['key'] == 'backbone.layers.1.attn.attn']
    assert qkv and 0 < qkv[0]['nnz'] < qkv[0]['numel']
    assert 0 < min(calls) < 25
    with model.sharing_ctx.task_scope('depth'):
        assert model.backbone.layers[1].attn.attn.task_delta_is_zero()
        assert not model.backbone.layers[0].attn.attn.task_delta_is_zero()
    # a layer with a weight delta runs in full: give block 1's attention
    # deltas (in place: the cached answer must notice)
    for pd in model.backbone.layers[1].attn.attn.deltas['depth'].values():
        with torch.no_grad():
            pd.delta.normal_(0, 0.05)
            pd.mask.fill_(True)
    with model.sharing_ctx.task_scope('depth'):
        assert not model.backbone.layers[1].attn.attn.task_delta_is_zero()
    dense, rec_d = _run(model, img, skip=False)
    skipped, _ = _run(model, img, skip=True)
    torch.testing.assert_close(skipped['depth'], dense['depth'], rtol=1e-5,
                               atol=1e-5)


def test_video_skipping_equals_the_dense_path(resnet_cfg, vit_cfg):
    """Video: on non-key frames every layer may skip the tokens unchanged
    since the previous frame (same weights); outputs equal those of the
    dense path frame by frame."""
    model = tiny_vit_model(resnet_cfg, vit_cfg, fix_mask=True,
                           threshold=0.05, threshold_granularity='token')
    model.video_cfg = dict(keyframe_interval=8, temporal_threshold=0.05,
                           cross_task_layers=0.5)
    _set_deltas(model, std=0.02)
    model.eval()
    torch.manual_seed(2)
    img = torch.randn(1, 3, 32, 48)
    frames = [img]
    for _ in range(2):  # a few patches change, the rest stays
        nxt = frames[-1].clone()
        nxt[..., :8, :16] += torch.randn(1, 3, 8, 16)
        frames.append(nxt)
    results, calls = {}, []
    orig = torch.nn.functional.linear

    def counting(x, w, b=None):
        calls.append(x.reshape(-1, x.shape[-1]).shape[0])
        return orig(x, w, b)

    for skip in (False, True):
        model.reset_video()
        results[skip] = []
        for k, f in enumerate(frames):
            if skip and k == 1:
                torch.nn.functional.linear = counting
            try:
                results[skip].append(
                    _run(model, f, skip, dict(sequence='a', frame_index=k)))
            finally:
                torch.nn.functional.linear = orig
    # on frame 1 the unchanged tokens were not recomputed
    assert calls and 0 < min(calls) < 25
    for (d, rec_d), (s, rec_s) in zip(results[False], results[True]):
        for task in d:
            torch.testing.assert_close(s[task], d[task], rtol=1e-5,
                                       atol=1e-5)
        assert [r['out_nnz'] for r in rec_s] == [r['out_nnz'] for r in rec_d]
    rec = results[True][1][1]
    temporal = [r for r in rec if r['kind'] == 'temporal']
    assert temporal and any(r['nnz'] < r['numel'] for r in temporal)


def test_temporal_config_trains_on_frame_pairs(repo_root, tmp_path,
                                               monkeypatch):
    """configs/sharing/synthetic_vit_video_temporal.py: consecutive
    training frames form pairs at distance 1; the loss has the temporal
    term with gradients; the inference configs skip unchanged tokens."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmbin.datasets import generate_synthetic_video
    generate_synthetic_video(str(tmp_path / 'data' / 'synthetic_video'),
                             num_train=1, num_val=0, num_frames=3,
                             size=(48, 64))
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(osp.join(repo_root, 'configs', 'sharing',
                                   'synthetic_vit_video_temporal.py'))
    assert cfg.model.sharing.temporal_l1_weight == 4e-9
    assert cfg.model.sharing.threshold_granularity == 'token'
    assert cfg.model.sharing.skip_unchanged
    assert cfg.train_dataloader.sampler.shuffle is False
    cfg.train_dataloader.batch_size = 3
    loader = Runner.build_dataloader(cfg.train_dataloader)
    batch = next(iter(loader))
    assert [s.metainfo['frame_index'] for s in batch['data_samples']] == \
        [0, 1, 2]
    model_cfg = dict(cfg.model)
    model_cfg.pop('init_from')
    # a narrower, shallower ViT keeps the test fast (the wiring is the same)
    model_cfg['backbone'].update(embed_dims=48, num_layers=4, num_heads=2,
                                 out_indices=(0, 1, 2, 3))
    model_cfg['neck']['in_channels'] = [48] * 4
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    _set_deltas(model, std=0.01)
    model.train()
    data = model.data_preprocessor(batch, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert losses['temporal_pairs'].item() == 2
    for task in ('depth', 'normal', 'edge'):
        term = losses[f'{task}.loss_temporal_l1']
        assert term.requires_grad and term.item() > 0
