# Copyright (c) mmbin contributors. All rights reserved.
"""TwoStageBinarizationHook: real weights (binary activations) in stage 1,
binary weights from the configured iteration on, in training; the binary
network in validation and after training."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmseg.registry import MODELS

from mmbin.engine.hooks import TwoStageBinarizationHook
from mmbin.ops import BinaryConv2d, XNORWeight


def _runner(model, it=0, max_iters=6):
    return SimpleNamespace(model=model, iter=it, max_iters=max_iters,
                           logger=MMLogger.get_instance('test_two_stage'))


def _student(cfgs):
    torch.manual_seed(0)
    model = MODELS.build(cfgs.tiny_cfg(binary=True))
    model.init_weights()
    return model


def _conv_by_hand(conv, x, weight):
    """What a ReActConv computes with the given weight."""
    b, _ = conv.act_binarizer.binarize(x)
    b = F.pad(b, conv._reversed_padding_repeated_twice, value=1.0)
    return F.conv2d(b, weight, conv.bias, conv.stride, 0, conv.dilation)


def test_real_weights_before_the_switch_binary_from_it(cfgs):
    model = _student(cfgs)
    conv = model.backbone.layer2[0].conv2
    x = torch.randn(2, conv.in_channels, 8, 8)
    real_out = _conv_by_hand(conv, x, conv.weight)
    bin_out = _conv_by_hand(conv, x, XNORWeight()(conv.weight))
    assert not torch.allclose(real_out, bin_out)
    keys = sorted(model.state_dict())

    hook = TwoStageBinarizationHook(switch_iter=3)
    layers = hook.binary_weight_layers(model)
    assert {n.split('.')[0] for n, _ in layers} == {
        'backbone', 'neck', 'decoder', 'decode_heads'}
    runner = _runner(model)
    hook.before_train(runner)
    assert hook.switch_at == 3
    stages, outputs = [], []
    for it in range(6):
        runner.iter = it
        hook.before_train_iter(runner, it)
        stages.append(hook.stage_at(it))
        outputs.append(conv(x).detach())
        # every binary layer of backbone, IB, decoder and heads follows
        assert all((m.weight_binarizer is None) == (it < 3)
                   for _, m in layers)
        # the checkpoint holds the same tensors in both stages
        assert sorted(model.state_dict()) == keys
    assert stages == [1, 1, 1, 2, 2, 2]
    for it, out in enumerate(outputs):
        expected = real_out if it < 3 else bin_out
        assert torch.allclose(out, expected, atol=1e-5), it


def test_stage_one_trains_the_real_weight_without_the_ste_clip(cfgs):
    """A latent weight beyond the STE's clip gets a gradient through the
    real-weight conv of stage 1 and none through the binary conv."""
    conv = BinaryConv2d(4, 4, 3, padding=1, bias=False,
                        weight_binarizer=dict(type='XNORWeight'))
    model = torch.nn.Sequential(conv)
    with torch.no_grad():
        conv.weight[0, 0, 1, 1] = 5.0
    x = torch.randn(2, 4, 6, 6)
    hook = TwoStageBinarizationHook(switch_iter=1)
    runner = _runner(model, max_iters=2)
    hook.before_train(runner)
    grads = []
    for it in range(2):
        runner.iter = it
        hook.before_train_iter(runner, it)
        conv.weight.grad = None
        conv(x).square().sum().backward()
        grads.append(conv.weight.grad[0, 0, 1, 1].item())
    assert grads[0] != 0.0 and grads[1] == 0.0


def test_validation_and_the_end_use_binary_weights_resume_in_stage(cfgs):
    model = _student(cfgs)
    conv = model.decoder.fpn_convs[0].conv
    hook = TwoStageBinarizationHook(switch_ratio=0.5)
    runner = _runner(model, max_iters=10)
    hook.before_train(runner)
    assert hook.switch_at == 5 and hook.real_weights
    hook.before_val_epoch(runner)
    assert conv.weight_binarizer is not None
    hook.after_val_epoch(runner, {})
    assert conv.weight_binarizer is None
    hook.after_train(runner)
    assert conv.weight_binarizer is not None

    # binary_val=False validates the stage-1 network as trained
    hook = TwoStageBinarizationHook(switch_iter=5, binary_val=False)
    hook.before_train(_runner(model, max_iters=10))
    hook.before_val_epoch(runner)
    assert conv.weight_binarizer is None

    # resumed after the switch: binary from the first iteration
    model = _student(cfgs)
    hook = TwoStageBinarizationHook(switch_iter=5)
    hook.before_train(_runner(model, it=7, max_iters=10))
    assert not hook.real_weights
    assert model.decoder.fpn_convs[0].conv.weight_binarizer is not None


def test_bad_arguments(cfgs):
    for kwargs in (dict(), dict(switch_iter=2, switch_ratio=0.5),
                   dict(switch_ratio=1.0), dict(switch_iter=0)):
        with pytest.raises(ValueError, match='TwoStageBinarizationHook'):
            TwoStageBinarizationHook(**kwargs)
    with pytest.raises(ValueError, match='max_iters 6'):
        TwoStageBinarizationHook(switch_iter=6).before_train(
            _runner(_student(cfgs)))
    fp = MODELS.build(cfgs.tiny_cfg())
    with pytest.raises(ValueError, match='no layer with a weight binarizer'):
        TwoStageBinarizationHook(switch_iter=2).before_train(_runner(fp))
