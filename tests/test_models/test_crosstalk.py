# Copyright (c) mmbin contributors. All rights reserved.
"""The cross-task interaction module of Bi-MTDP-C (CrossTaskInteraction),
its place in MultiTaskEncoderDecoder (``cross_task``) and the Bi-MTDP-C
configs with their full-precision twins."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
from _helpers.multitask import make_nyud_samples, tiny_multitask_cfg
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

import mmbin  # noqa: F401
from mmbin.analysis.complexity import is_binary_mac_layer
from mmbin.models.decode_heads import CrossTaskInteraction
from mmbin.models.init import load_fp_weights
from mmbin.ops import BinaryConv2d
from mmbin.utils import build_model_from_config

register_all_modules(init_default_scope=True)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TASKS = ('seg', 'depth', 'normal')


def _feats(n=2, c=8, h=6, w=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {t: torch.randn(n, c, h, w, generator=g) for t in TASKS}


def _module(binary=False, scale_init=0.0, c=8):
    torch.manual_seed(0)
    return CrossTaskInteraction(
        tasks=TASKS,
        channels=c,
        conv_cfg=dict(type='ReActConv') if binary else None,
        bypass=binary,
        scale_init=scale_init)


@pytest.mark.parametrize('binary', [False, True])
def test_shapes_and_identity_at_zero_scale(binary):
    feats = _feats()
    mod = _module(binary)
    out = mod(feats)
    assert list(out) == list(TASKS)
    for t in TASKS:
        assert out[t].shape == feats[t].shape
        # gamma = 0: no message arrives, the module is the identity
        assert torch.equal(out[t], feats[t])
    with torch.no_grad():
        for p in mod.scales.values():
            p.fill_(0.3)
    out = mod(feats)
    for t in TASKS:
        assert out[t].shape == feats[t].shape
        assert not torch.allclose(out[t], feats[t])


def test_messages_formula_and_wiring():
    """F'_t = F_t + sum_s gamma_s->t * sigmoid(A_s->t) * M_s->t, with the
    message and gate chunks of sender s in receiver order."""
    feats = _feats()
    mod = _module(scale_init=0.0).eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in mod.scales.values():
            p.copy_(torch.rand(p.shape, generator=g))
    out = mod(feats)
    raw = {s: mod.senders[s](feats[s]) for s in TASKS}
    c, n_pairs = 8, len(TASKS) - 1
    for t in TASKS:
        expect = feats[t].clone()
        for j, s in enumerate(mod.senders_of(t)):
            k = mod.receivers(s).index(t)
            msg = raw[s][:, k * c:(k + 1) * c]
            gate = raw[s][:, (n_pairs + k) * c:(n_pairs + k + 1) * c]
            gamma = mod.scales[t][j].view(1, -1, 1, 1)
            expect = expect + gamma * torch.sigmoid(gate) * msg
        torch.testing.assert_close(out[t], expect)
    # changing one task's features changes the others, never itself
    moved = dict(feats, depth=feats['depth'] + 1.0)
    out2 = mod(moved)
    torch.testing.assert_close(out2['depth'] - moved['depth'],
                               out['depth'] - feats['depth'])
    for t in ('seg', 'normal'):
        assert not torch.allclose(out2[t], out[t])


@pytest.mark.parametrize('binary', [False, True])
def test_gradients_reach_every_message(binary):
    feats = {t: f.requires_grad_() for t, f in _feats().items()}
    mod = _module(binary, scale_init=0.5)
    out = mod(feats)
    out['seg'].pow(2).mean().backward()
    # seg receives from depth and normal, sends nothing to itself
    for s in ('depth', 'normal'):
        grad = mod.senders[s].conv.weight.grad
        assert grad is not None and grad.abs().sum() > 0, s
        assert feats[s].grad.abs().sum() > 0, s
    own = mod.senders['seg'].conv.weight.grad
    assert own is None or own.abs().sum() == 0
    assert mod.scales['seg'].grad.abs().min() > 0
    for t in ('depth', 'normal'):
        assert mod.scales[t].grad is None or \
            mod.scales[t].grad.abs().sum() == 0

    # every pair at once: all senders and all gammas learn
    mod.zero_grad()
    out = mod({t: f.detach() for t, f in feats.items()})
    sum(o.pow(2).mean() for o in out.values()).backward()
    for s in TASKS:
        assert mod.senders[s].conv.weight.grad.abs().sum() > 0, s
        assert mod.scales[s].grad.abs().min() > 0, s


def test_zero_scale_still_learns():
    """At gamma = 0 (the identity) the gammas get a gradient, so training
    can open the pathway."""
    mod = _module(True, scale_init=0.0)
    out = mod(_feats())
    sum(o.pow(2).mean() for o in out.values()).backward()
    for t in TASKS:
        assert mod.scales[t].grad.abs().sum() > 0
        assert mod.senders[t].conv.weight.grad.abs().sum() == 0


def test_binary_variant_uses_binary_convs():
    binary, fp = _module(True), _module(False)
    for s in TASKS:
        conv = binary.senders[s].conv
        assert isinstance(conv, BinaryConv2d) and is_binary_mac_layer(conv)
        assert type(fp.senders[s].conv) is nn.Conv2d
    # its convolutions see signs: inputs of one sign pattern give one output
    conv = binary.senders['seg'].conv.eval()
    x = torch.randn(1, 8, 5, 5)
    with torch.no_grad():
        conv.act_binarizer.threshold.uniform_(-0.5, 0.5)
    thr = conv.act_binarizer.threshold.detach().view(1, -1, 1, 1)
    scaled = thr + (x - thr) * 3.0  # same side of the RSign threshold
    torch.testing.assert_close(conv(x), conv(scaled))
    # same tensor names as the FP twin, plus the binarizers' own
    fp_keys = set(fp.state_dict())
    assert fp_keys <= set(binary.state_dict())


def test_bad_inputs():
    mod = _module()
    feats = _feats()
    with pytest.raises(KeyError, match='missing'):
        mod({t: feats[t] for t in TASKS[:2]})
    with pytest.raises(ValueError, match='channels'):
        mod(dict(feats, seg=torch.zeros(2, 4, 6, 10)))
    with pytest.raises(ValueError, match='one shape'):
        mod(dict(feats, seg=torch.zeros(2, 8, 3, 10)))
    with pytest.raises(ValueError, match='at least two'):
        CrossTaskInteraction(tasks=['seg'], channels=8)
    with pytest.raises(ValueError, match='kernel_size'):
        CrossTaskInteraction(tasks=TASKS, channels=8, kernel_size=2)


def _tiny(cross_task=None, **kw):
    cfg = tiny_multitask_cfg(**kw)
    if cross_task is not None:
        cfg['cross_task'] = cross_task
    torch.manual_seed(0)
    return MODELS.build(cfg)


def test_segmentor_hook_point():
    """``cross_task`` sits between the heads' blocks and their prediction
    layers; at gamma = 0 the predictions are those of the model without it,
    and a model without it keeps its state dict and outputs."""
    plain = _tiny().eval()
    assert 'cross_task' not in dict(plain.named_children())
    crossed = _tiny(dict(type='CrossTaskInteraction', bypass=True),
                    binary=False).eval()
    assert crossed.cross_task.tasks == list(plain.decode_heads)
    assert crossed.cross_task.channels == 8
    missing, unexpected = crossed.load_state_dict(
        plain.state_dict(), strict=False)
    assert not unexpected and all(k.startswith('cross_task.')
                                  for k in missing)
    x = torch.randn(2, 3, 32, 32)
    f_plain, _ = plain.forward_features(x)
    f_cross, _ = crossed.forward_features(x)
    assert 'task_feats' not in f_plain
    assert sorted(f_cross['task_feats']) == sorted(plain.decode_heads)
    for t in plain.decode_heads:
        torch.testing.assert_close(f_cross['preds'][t], f_plain['preds'][t])
    with torch.no_grad():
        for p in crossed.cross_task.scales.values():
            p.fill_(1.0)
    f_open, _ = crossed.forward_features(x)
    for t in plain.decode_heads:
        assert not torch.allclose(f_open['preds'][t], f_plain['preds'][t])


def test_segmentor_errors():
    cfg = tiny_multitask_cfg()
    cfg['decode_heads']['depth']['channels'] = 4
    cfg['cross_task'] = dict(type='CrossTaskInteraction')
    with pytest.raises(ValueError, match='one width'):
        MODELS.build(cfg)
    cfg = tiny_multitask_cfg()
    cfg['cross_task'] = dict(type='CrossTaskInteraction',
                             tasks=['depth', 'seg'])
    with pytest.raises(ValueError, match='differs from the heads'):
        MODELS.build(cfg)
    cfg = tiny_multitask_cfg()
    cfg['decode_heads']['depth'] = dict(
        type='UPerDepthHead', in_channels=[16] * 5, in_index=[0, 1, 2, 3, 4],
        channels=8)
    cfg['cross_task'] = dict(type='CrossTaskInteraction')
    with pytest.raises(TypeError, match='depth head'):
        MODELS.build(cfg)


def _config(path):
    return osp.join(ROOT, 'configs', path)


@pytest.mark.parametrize('data', ['synthetic', 'nyud', 'pascal'])
def test_c_configs_inherit_their_base(data):
    c = Config.fromfile(_config(f'bimtdp/{data}_r18_c.py'))
    base = Config.fromfile(_config(f'bimtdp/{data}_r18.py'))
    model = copy.deepcopy(c.model)
    ct = model.pop('cross_task')
    assert ct['conv_cfg'] == dict(type='ReActConv') and ct['bypass']
    assert model == base.model
    fp_c = Config.fromfile(_config(f'mtdp/{data}_r18_fp_c.py'))
    fp = Config.fromfile(_config(f'mtdp/{data}_r18_fp.py'))
    fp_model = copy.deepcopy(fp_c.model)
    fp_ct = fp_model.pop('cross_task')
    assert fp_ct['conv_cfg'] is None
    assert {k: v for k, v in fp_ct.items() if k != 'conv_cfg'} == \
        {k: v for k, v in ct.items() if k != 'conv_cfg'}
    assert fp_model == fp.model
    hooks = c.custom_hooks
    assert hooks[0]['type'] == 'BiMTDPDistillHook'
    assert hooks[0]['teacher_config'] == f'configs/mtdp/{data}_r18_fp_c.py'
    fp_init = {h['type']: h for h in hooks}['FPInitHook']
    base_fp_init = {h['type']: h
                    for h in base.custom_hooks}['FPInitHook']
    assert fp_init['keep_init'] == base_fp_init['keep_init']
    assert 'cross_task' in fp_init['modules']


def test_synthetic_c_trains_and_loads_its_teacher(tmp_path):
    """Bi-MTDP-C (synthetic) runs one forward / backward with its FP twin
    as the distillation teacher, and starts from the twin's checkpoint."""
    student, cfg = build_model_from_config(
        _config('bimtdp/synthetic_r18_c.py'))
    teacher, _ = build_model_from_config(
        _config('mtdp/synthetic_r18_fp_c.py'))
    assert all(is_binary_mac_layer(m.conv)
               for m in student.cross_task.senders.values())
    path = str(tmp_path / 'fp_c.pth')
    torch.save(dict(state_dict=teacher.state_dict()), path)
    fp_init = {h['type']: h for h in cfg.custom_hooks}['FPInitHook']
    report = load_fp_weights(student, path, keep_init=fp_init['keep_init'],
                             modules=fp_init['modules'])
    ct_keys = [k for k in teacher.state_dict() if k.startswith('cross_task')]
    assert ct_keys and set(ct_keys) <= set(report.loaded)
    torch.testing.assert_close(student.cross_task.senders.edge.conv.weight,
                               teacher.cross_task.senders.edge.conv.weight)
    with torch.no_grad():  # open the pathway (trained gammas are not 0)
        for p in student.cross_task.scales.values():
            p.fill_(0.1)
    teacher.eval()
    student.set_teacher(teacher)
    student.train()
    samples = make_nyud_samples(2, 32, 32, num_classes=40,
                                padding_size=[0, 0, 0, 0])
    losses = student.loss(torch.randn(2, 3, 32, 32), samples)
    assert {'loss_kd_neck', 'loss_kd_decoder'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    for s, block in student.cross_task.senders.items():
        assert block.conv.weight.grad.abs().sum() > 0, s


@pytest.mark.parametrize('data', ['nyud', 'pascal'])
def test_full_width_c_configs_forward_backward(data):
    """The NYUD-v2 and PASCAL-Context Bi-MTDP-C models (4 and 5 tasks, 64
    channel heads) run forward and backward through every sender."""
    model, _ = build_model_from_config(_config(f'bimtdp/{data}_r18_c.py'))
    assert model.cross_task.tasks == list(model.decode_heads)
    with torch.no_grad():
        for p in model.cross_task.scales.values():
            p.fill_(0.1)
    model.train()
    feats, _ = model.forward_features(torch.randn(2, 3, 32, 32))
    assert set(feats['task_feats']) == set(model.decode_heads)
    sum(p.float().mean() for p in feats['preds'].values()).backward()
    for s, block in model.cross_task.senders.items():
        assert block.conv.weight.grad.abs().sum() > 0, s
