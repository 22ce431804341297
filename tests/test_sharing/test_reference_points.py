# Copyright (c) mmbin contributors. All rights reserved.
"""The points where computation sharing follows its reference code
(sarashoouri/EfficientMTL): output-side activation deltas, the L1 term of
step 3, the additive L0 penalty, deltas for every encoder parameter and the
gate optimiser of the configs."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmseg.registry import MODELS

from mmbin.models.sharing import (DeltaConv2d, DeltaLayerNorm,
                                  DeltaParameters, SharingContext,
                                  delta_layers, wrap_for_sharing)


class Holder(nn.Module):

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone


def _random_deltas(model, task, std=0.05):
    torch.manual_seed(1)
    for layer in delta_layers(model).values():
        for pd in layer.deltas[task].values():
            with torch.no_grad():
                pd.delta.normal_(0, std)


def _dense_copy(plain, model, task, prefix='backbone.'):
    """``plain`` with every parameter that has a delta in ``model`` set to
    ``base + delta`` of ``task`` (the dense sub-task network)."""
    dense = copy.deepcopy(plain)
    for layer in delta_layers(model).values():
        owner = dense.get_submodule(layer.share_key[len(prefix):])
        for name, pd in layer.deltas[task].items():
            with torch.no_grad():
                p = getattr(owner, name)
                p.copy_(p + pd.deterministic())
    return dense


def test_vit_every_parameter_gets_a_delta(vit_cfg):
    vit = MODELS.build(vit_cfg())
    vit.init_weights()
    model = Holder(copy.deepcopy(vit))
    ctx = SharingContext('seg', ['depth'])
    names = wrap_for_sharing(model, ['backbone.*'], ['depth'], ctx)
    assert {'backbone.pos_embed', 'backbone.cls_token'} <= set(names)
    assert isinstance(model.backbone.layers[0].ln1, DeltaLayerNorm)
    assert isinstance(model.backbone.ln1, DeltaLayerNorm)  # final norm
    assert isinstance(model.backbone.shared_param_deltas, DeltaParameters)
    with_delta = {
        f'{layer.share_key}.{n}'
        for layer in delta_layers(model).values()
        for n in layer.deltas['depth']
    }
    plain = {f'backbone.{n}' for n, _ in vit.named_parameters()}
    assert with_delta == plain  # every encoder parameter, nothing else
    # checkpoints of the plain network still load (deltas are new keys)
    missing, unexpected = model.backbone.load_state_dict(vit.state_dict(),
                                                         strict=False)
    assert not unexpected and all('.deltas.' in k for k in missing)
    assert 'shared_param_deltas.deltas.depth.pos_embed.delta' in missing


def test_output_side_threshold_zero_equals_the_dense_subtask(vit_cfg):
    """Exactness: with threshold 0 a sub-task computes its dense network
    (base + deltas on every parameter, position embedding and norms
    included)."""
    torch.manual_seed(0)
    vit = MODELS.build(vit_cfg())
    vit.init_weights()
    vit.eval()
    model = Holder(copy.deepcopy(vit))
    ctx = SharingContext('seg', ['depth'])
    wrap_for_sharing(model, ['backbone.*'], ['depth'], ctx)
    _random_deltas(model, 'depth')
    model.eval()
    dense = _dense_copy(vit, model, 'depth')
    dense.eval()  # (mmseg's ViT.train returns None)
    x = torch.randn(2, 3, 32, 48)
    with torch.no_grad():
        ref_base, ref_sub = vit(x), dense(x)
        ctx.begin_forward()
        with ctx.task_scope(None):
            base = model.backbone(x)
        with ctx.task_scope('depth'):
            sub = model.backbone(x)
        assert 'pos_embed' not in model.backbone.__dict__  # hook restored
        with ctx.task_scope(None):
            base_again = model.backbone(x)
    for b, r, a in zip(base, ref_base, base_again):
        torch.testing.assert_close(b, r)
        assert torch.equal(a, b)
    for s, r, b in zip(sub, ref_sub, base):
        torch.testing.assert_close(s, r, rtol=1e-5, atol=1e-5)
        assert not torch.allclose(s, b, atol=1e-3)  # the deltas matter
    # without the position-embedding delta the result would differ
    pd = model.backbone.shared_param_deltas.deltas['depth']['pos_embed']
    with torch.no_grad():
        pd.delta.zero_()
        ctx.begin_forward()
        with ctx.task_scope(None):
            model.backbone(x)
        with ctx.task_scope('depth'):
            sub0 = model.backbone(x)
    assert not torch.allclose(sub0[0], ref_sub[0], atol=1e-4)


def test_resnet_output_side_threshold_zero_and_positive(resnet_cfg):
    torch.manual_seed(0)
    model = MODELS.build(resnet_cfg()).eval()
    plain = copy.deepcopy(model.backbone)
    for layer in delta_layers(plain).values():
        layer.set_sharing_context(None)  # the plain base network
    _random_deltas(model, 'depth')
    dense = _dense_copy(plain, model, 'depth')
    x = torch.randn(1, 3, 32, 32)
    ctx = model.sharing_ctx
    with torch.no_grad():
        ref = dense(x)
        ctx.begin_forward()
        with ctx.task_scope(None):
            model._encode(x)
        with ctx.task_scope('depth'):
            sub = model._encode(x)
    for s, r in zip(sub, ref):
        assert torch.equal(s, r)  # bit for bit: kept outputs are the dense
    # a positive threshold: the stem convolution's output is the base
    # output where the delta is small and the dense output elsewhere
    outs = {}

    def keep(module, args, out):
        outs[ctx.task] = (args[0], out)

    model.backbone.stem[0].register_forward_hook(keep)
    model.threshold = 0.5
    with torch.no_grad():
        model.forward_features(x)
    (_, y_base), (x_sub, y_sub) = outs[None], outs['depth']
    stem = dense.stem[0]
    stem.set_sharing_context(None)
    y_dense = stem(x_sub)
    expect = torch.where((y_dense - y_base).abs() >= 0.5, y_dense, y_base)
    assert torch.equal(y_sub, expect)
    assert 0 < int((y_sub != y_base).sum()) < y_sub.numel()
    rec = [r for r in model.last_records
           if r['task'] == 'depth' and r['key'] == 'backbone.stem.0'][0]
    assert rec['nnz'] == 0  # same image: the stem's input delta is empty
    assert rec['out_nnz'] == int((y_sub != y_base).sum())


def test_l1_term_is_the_reference_sum(resnet_cfg, samples):
    """Step 3: ``act_l1_weight * sum |y_sub - y_base|`` over the outputs of
    every wrapped layer (batch included), no threshold in training."""
    torch.manual_seed(0)
    w = 1e-4
    model = MODELS.build(resnet_cfg(threshold=0.5, train_threshold='none',
                                    act_l1_weight=w))
    _random_deltas(model, 'depth', std=0.02)
    outs = {}

    def keep(name):

        def hook(module, args, out):
            outs[(model.sharing_ctx.task, name)] = out.detach()

        return hook

    for layer in delta_layers(model.backbone).values():
        assert isinstance(layer, DeltaConv2d)
        layer.register_forward_hook(keep(layer.share_key))
    model.train()
    losses = model.loss(torch.randn(2, 3, 32, 32), samples(2))
    expect = sum((outs[('depth', k)] - outs[(None, k)]).abs().sum()
                 for (t, k) in outs if t == 'depth')
    assert losses['depth.loss_act_l1'].item() == pytest.approx(
        w * expect.item(), rel=1e-5)
    # 'none': the training forward is not thresholded (dense outputs)
    stem = [r for r in model.last_records
            if r['task'] == 'depth' and r['key'] == 'backbone.stem.0'][0]
    diff = outs[('depth', 'backbone.stem.0')] - outs[(None, 'backbone.stem.0')]
    assert stem['out_nnz'] == int((diff != 0).sum())
    assert (diff.abs() < 0.5).any() and (diff != 0).any()


def test_additive_l0_in_the_loss(resnet_cfg, samples):
    torch.manual_seed(0)
    model = MODELS.build(resnet_cfg(l0_weight=2.0)).train()
    pds = model._param_deltas('depth')
    numel = sum(pd.delta.numel() for pd in pds)
    expect = sum(pd.gate.prob_nonzero().sum() + pd.tensor_gate.prob_nonzero()
                 for pd in pds)
    losses = model.loss(torch.randn(2, 3, 32, 32), samples(2))
    assert losses['depth.loss_l0'].item() == pytest.approx(
        2.0 * expect.item() / numel, rel=1e-6)


@pytest.mark.parametrize('name,lr', [('synthetic_vit_step2', 1e-3),
                                     ('synthetic_r18_step2', 1e-3),
                                     ('nyud_vit_step2', 1e-4),
                                     ('nyud_r18_step2', 1e-4)])
def test_configs_train_gates_as_the_reference(name, lr, repo_root,
                                              resnet_cfg):
    """AdamW; the gates at lr 0.1 with weight decay 0.01, the deltas at the
    config's lr with weight decay 1e-6; output-side deltas, additive L0."""
    cfg = Config.fromfile(osp.join(repo_root, 'configs', 'sharing',
                                   name + '.py'))
    assert cfg.model.sharing.delta_cfg.activation_side == 'output'
    assert cfg.model.sharing.delta_cfg.tensor_l0 == 'additive'
    model = MODELS.build(resnet_cfg())
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert type(wrapper.optimizer).__name__ == 'AdamW'
    groups = {id(p): g for g in wrapper.optimizer.param_groups
              for p in g['params']}
    for pname, p in model.named_parameters():
        if not p.requires_grad:
            continue
        g = groups[id(p)]
        if pname.endswith('log_alpha'):
            assert g['lr'] == pytest.approx(0.1), pname
            assert g['weight_decay'] == pytest.approx(0.01), pname
        else:
            assert g['lr'] == pytest.approx(lr), pname
            assert g['weight_decay'] == pytest.approx(1e-6), pname
    step3 = Config.fromfile(osp.join(repo_root, 'configs', 'sharing',
                                     name.replace('step2', 'step3') + '.py'))
    assert step3.model.sharing.train_threshold == 'none'
    assert step3.model.sharing.act_l1_weight == 5e-10
