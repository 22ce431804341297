# Copyright (c) mmbin contributors. All rights reserved.
import pytest
import torch
from torch import nn

import mmbin  # noqa: F401
from mmbin.ops.registry import build_channel_act


def test_per_channel_layers_get_channel_count():
    act = build_channel_act(dict(type='RPReLU'), 6)
    params = {n: p.shape for n, p in act.named_parameters()}
    assert params and all(s.numel() == 6 for s in params.values())
    prelu = build_channel_act(dict(type='PReLU'), 5)
    assert prelu.weight.shape == (5, )
    # an explicit setting wins
    shared = build_channel_act(dict(type='PReLU', num_parameters=1), 5)
    assert shared.weight.shape == (1, )


def test_plain_and_none():
    relu = build_channel_act(dict(type='ReLU'), 4)
    assert isinstance(relu, nn.ReLU)
    assert torch.equal(relu(torch.tensor([-1., 2.])), torch.tensor([0., 2.]))
    assert isinstance(build_channel_act(None, 4), nn.Identity)


def test_missing_type_names_key():
    with pytest.raises(KeyError, match='up_act_cfg'):
        build_channel_act(dict(inplace=True), 4, 'up_act_cfg')
