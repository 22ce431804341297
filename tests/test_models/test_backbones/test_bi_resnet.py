# Copyright (c) mmbin contributors. All rights reserved.
"""BiResNet: ResNetV1c-compatible outputs, structure, backward, freezing and
initialisation from a full-precision checkpoint."""
import pytest
import torch
import torch.nn as nn
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from mmseg.models.backbones import ResNetV1c

from mmbin.models.backbones import BiResNet
from mmbin.ops import BiRealConv, BNNConv, ReActConv, RPReLU, XNORConv

SETTINGS = {
    'default': dict(),
    'd8': dict(strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4),
               contract_dilation=True),
    'd16': dict(strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2),
                contract_dilation=True),
    'out_indices': dict(out_indices=(1, 3)),
}


@pytest.mark.parametrize('setting', sorted(SETTINGS))
def test_outputs_match_resnetv1c(setting):
    kwargs = SETTINGS[setting]
    x = torch.randn(1, 3, 32, 32)
    ref = ResNetV1c(depth=18, **kwargs)
    ref.eval()  # mmseg's ResNet.train() returns None: no chaining
    model = BiResNet(depth=18, **kwargs).eval()  # BiResNet returns self
    outs = model(x)
    ref_outs = ref(x)
    assert [o.shape for o in outs] == [o.shape for o in ref_outs]
    # dilation and stride of every 3x3 conv as in ResNetV1c
    ref_modules = dict(ref.named_modules())
    checked = 0
    for name, m in model.named_modules():
        if name.startswith('layer') and name.endswith(('conv1', 'conv2')):
            r = ref_modules[name]
            assert (m.stride, m.dilation, m.padding) == \
                (r.stride, r.dilation, r.padding), name
            checked += 1
    assert checked == 16


def test_d8_shapes_and_depth34():
    model = BiResNet(depth=34, **SETTINGS['d8'])
    outs = model(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [
        (2, 64, 8, 8), (2, 128, 4, 4), (2, 256, 4, 4), (2, 512, 4, 4)]
    assert [len(getattr(model, f'layer{i}')) for i in range(1, 5)] == \
        [3, 4, 6, 3]


def test_structure_and_separate_conv_cfgs():
    model = BiResNet(depth=18)
    block = model.layer2[0]
    assert isinstance(block.conv1, ReActConv)
    assert isinstance(block.conv2, ReActConv)
    assert isinstance(block.act1, RPReLU) and block.act1.num_parameters == 128
    ds = block.downsample
    assert list(dict(ds.named_children())) == ['pool', '0', '1']
    assert isinstance(ds.pool, nn.AvgPool2d)
    assert type(ds[1]) is nn.Conv2d and ds[1].kernel_size == (1, 1)
    assert ds[1].stride == (1, 1)
    assert all(type(m) is nn.Conv2d for m in model.stem
               if isinstance(m, nn.Conv2d))
    assert isinstance(model.stem[-1], nn.Identity)  # no ReLU before binary

    model = BiResNet(
        depth=18,
        conv_cfg=dict(type='BiRealConv'),
        stem_conv_cfg=dict(type='BNNConv'),
        downsample_conv_cfg=dict(type='XNORConv'),
        act_cfg=None,
        stem_act_cfg=dict(type='ReLU'))
    assert isinstance(model.layer1[0].conv1, BiRealConv)
    assert isinstance(model.layer1[0].act1, nn.Identity)
    assert isinstance(model.stem[0], BNNConv)
    assert isinstance(model.stem[-1], nn.ReLU)
    assert isinstance(model.layer3[0].downsample[1], XNORConv)
    # dilated stage: channel change without stride -> no pooling
    model = BiResNet(depth=18, **SETTINGS['d8'])
    assert not hasattr(model.layer3[0].downsample, 'pool')


def test_backward_reaches_binary_and_fp_parameters():
    torch.manual_seed(0)
    model = BiResNet(depth=18, **SETTINGS['d16'])
    model.init_weights()
    model.train()
    outs = model(torch.randn(2, 3, 48, 48))
    sum(o.mean() for o in outs).backward()
    names = ['stem.0.weight', 'layer1.0.conv1.weight',
             'layer1.0.conv1.act_binarizer.threshold', 'layer2.0.act1.gamma',
             'layer2.0.act2.zeta', 'layer2.0.downsample.0.weight',
             'layer4.1.conv2.weight', 'layer4.1.bn2.weight']
    params = dict(model.named_parameters())
    for name in names:
        assert params[name].grad is not None, name
        assert params[name].grad.abs().sum() > 0, name


def test_default_init_reaches_binary_convs():
    torch.manual_seed(0)
    model = BiResNet(depth=18)
    before = model.layer3[1].conv2.weight.detach().clone()
    model.init_weights()
    w = model.layer3[1].conv2.weight.detach()
    assert not torch.equal(before, w)
    # Kaiming normal, fan_out, ReLU gain: std = sqrt(2 / (256 * 9))
    assert w.std().item() == pytest.approx((2 / (256 * 9))**0.5, rel=0.05)


def test_frozen_stages_and_norm_eval():
    model = BiResNet(depth=18, frozen_stages=1, norm_eval=True)
    model.train()
    for p in list(model.stem.parameters()) + list(model.layer1.parameters()):
        assert not p.requires_grad
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))


def test_invalid_arguments():
    with pytest.raises(KeyError, match='invalid depth 50'):
        BiResNet(depth=50)
    with pytest.raises(ValueError, match='does not support dcn'):
        BiResNet(depth=18, dcn=dict(type='DCN'))
    with pytest.raises(KeyError, match='conv_cfg'):
        BiResNet(depth=18, conv_cfg=dict(type='NoSuchConv'))


@pytest.mark.parametrize('deep_stem', [True, False])
def test_init_from_full_precision_checkpoint(tmp_path, deep_stem):
    torch.manual_seed(0)
    from mmseg.models.backbones import ResNet
    fp = ResNet(depth=18, deep_stem=deep_stem)
    fp.init_weights()
    # make BN statistics and affine parameters recognisable
    for m in fp.modules():
        if isinstance(m, _BatchNorm):
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.uniform_(m.bias, -0.5, 0.5)
            m.running_mean.uniform_(-1, 1)
    ckpt = tmp_path / 'resnet18.pth'
    torch.save(dict(state_dict=fp.state_dict()), ckpt)

    model = BiResNet(
        depth=18,
        deep_stem=deep_stem,
        init_cfg=dict(type='Pretrained', checkpoint=str(ckpt)))
    model.init_weights()
    fp_state = fp.state_dict()
    state = model.state_dict()
    # every tensor of the FP ResNet has a same-name, same-shape counterpart
    for name, value in fp_state.items():
        assert name in state, name
        assert state[name].shape == value.shape, name
        assert torch.equal(state[name], value), name
    extra = set(state) - set(fp_state)
    assert extra and all(('act_binarizer' in k or '.act' in k)
                         for k in extra), sorted(extra)[:5]
