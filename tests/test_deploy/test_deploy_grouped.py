# Copyright (c) mmbin contributors. All rights reserved.
"""Zero padding with channel counts that are not a multiple of 8 (the
border correction), depthwise / grouped binary convs as complement-pair
blocks on the u1 kernel, and the exporter's measured choice between those
blocks and float math."""
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

ov = pytest.importorskip('openvino')

from _helpers.ir_checks import check_single_output  # noqa: E402

from mmbin.deploy import (BinaryLayerPlan, binary_node_names,  # noqa: E402
                          export_openvino, plan_binary_layer)
from mmbin.deploy.layer_choice import (block_candidates,  # noqa: E402
                                       choose_layer_formulation)
from mmbin.deploy.ov_binary_ops import in_map_taps  # noqa: E402
from mmbin.ops import BiDenseConv, BiRealConv  # noqa: E402
from .test_deploy_ov_ops import (_exact_reference, _input,  # noqa: E402
                                 _plan, _run_plan)


def _thresholds(c, x, seed=1):
    """Per-channel thresholds, some equal to input values (exact ties)."""
    t = np.random.default_rng(seed).normal(0, 0.3, c).astype(np.float32)
    t[:2] = x[0, :2, 3, 4].numpy()
    return t


def test_in_map_taps_counts_the_taps_inside_the_map():
    for k, s, p, d in [(7, 1, 3, 1), (3, 2, 1, 1), (3, 1, 2, 2)]:
        got = in_map_taps((9, 11), (k, k), (s, s), (p, p), (p, p), (d, d))
        ref = F.conv2d(
            torch.ones(1, 1, 9, 11), torch.ones(1, 1, k, k), None, s, p, d)
        np.testing.assert_array_equal(got, ref[0, 0].numpy())
    corner = in_map_taps((9, 11), (7, 7), (1, 1), (3, 3), (3, 3), (1, 1))
    assert corner[0, 0] == 16 and corner[4, 5] == 49


@pytest.mark.parametrize('cin,groups,k', [(8, 8, 7), (12, 2, 3), (12, 1, 5)])
def test_zero_padding_with_channel_padding_is_exact_on_the_border(
        cin, groups, k):
    """Channel counts per group that are not a multiple of 8 (1, 6, 12)
    get constant channels; with zero padding their padded taps are left
    out too, so the correction is a map, not ``n_extra * kh * kw`` (which
    was off by 7 * (49 - 16) = 231 at a corner for 1 + 7 channels)."""
    x = _input(cin)
    for pad_value in (0.0, 1.0):
        plan = _plan(
            cin=cin,
            cout=2 * groups,
            k=k,
            pad=k // 2,
            pad_value=pad_value,
            groups=groups,
            threshold=_thresholds(cin, x))
        out = _run_plan(plan, x)
        ref = _exact_reference(plan, x)
        np.testing.assert_array_equal(out, ref)
        if pad_value == 0.0:  # the border really is zero-padded
            plus = _plan(
                cin=cin,
                cout=2 * groups,
                k=k,
                pad=k // 2,
                pad_value=1.0,
                groups=groups,
                threshold=_thresholds(cin, x))
            assert np.abs(ref - _exact_reference(plus, x)).max() > 0


@pytest.mark.parametrize(
    'cin,groups,gpb,pad_value,stride',
    [
        (32, 32, 4, 0.0, 1),  # depthwise, 8 + 8 channels per block
        (32, 32, 8, 1.0, 1),
        (32, 32, 32, -1.0, 2),  # one block
        (20, 20, 5, 0.0, 2),  # 10 channels per block: channel padding too
        (40, 20, 4, 1.0, 1),  # grouped, 2 channels per group
    ])
def test_complement_blocks_are_exact(cin, groups, gpb, pad_value, stride):
    x = _input(cin, 10, 13)
    plan = _plan(
        cin=cin,
        cout=cin,
        k=7 if cin != 40 else 3,
        pad=3 if cin != 40 else 1,
        pad_value=pad_value,
        groups=groups,
        stride=stride,
        threshold=_thresholds(cin, x))
    plan.groups_per_block = gpb
    np.testing.assert_array_equal(
        _run_plan(plan, x), _exact_reference(plan, x))


def test_complement_blocks_reject_a_block_size_that_does_not_divide():
    plan = _plan(cin=24, cout=24, groups=24)
    plan.groups_per_block = 5
    with pytest.raises(
            ValueError, match='groups_per_block=5 does not '
            'divide groups=24'):
        _run_plan(plan, _input(24))


def _depthwise_model():
    """BiDense's depthwise 7x7 with zero and with +1 padding (DAB's
    deployable scale), and a Bi-Real depthwise 3x3 (+1 padding)."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(8, 32, 1),
        BiDenseConv(
            32,
            32,
            7,
            padding=3,
            groups=32,
            pad_value=0.0,
            scale_mode='output'),
        BiDenseConv(
            32,
            32,
            7,
            padding=3,
            groups=32,
            pad_value=1.0,
            scale_mode='output'), BiRealConv(32, 32, 3, padding=1,
                                             groups=32)).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.3)
                m.running_var.uniform_(0.5, 2.0)
            if isinstance(m, BiDenseConv):
                for p in (m.act_binarizer.k, m.act_binarizer.a,
                          m.act_binarizer.b):
                    p.normal_(0, 0.3)
    return model


def test_depthwise_layers_are_planned_as_blocks():
    layer = BiDenseConv(32, 32, 7, padding=3, groups=32, scale_mode='output')
    plan = plan_binary_layer('dw', layer)
    assert plan.groups_per_block == 16  # 16 + 16 channels per block
    assert binary_node_names(plan) == [
        'dw/BinaryConvolution_b0', 'dw/BinaryConvolution_b1'
    ]
    assert block_candidates(plan) == [4, 8, 16, 32]


def test_exported_depthwise_equals_pytorch_on_u1():
    """Zero and +1 padding, border included, on the u1 kernel."""
    model = _depthwise_model()
    x = torch.randn(1, 8, 9, 11, generator=torch.Generator().manual_seed(2))
    exported = export_openvino(model, tuple(x.shape), grouped='binary')
    assert exported.binary_layers == ['1', '2', '3']
    assert not exported.measured_float and not exported.layer_timings
    report = check_single_output(model, exported, x, threads=1)
    assert report.ok and report.on_u1 == ['1', '2', '3'], report.summary()
    assert report.kernels['1'].endswith('2 BinaryConvolution nodes')


def test_grouped_float_is_reported_and_exact():
    model = _depthwise_model()[:2]
    x = torch.randn(1, 8, 9, 11, generator=torch.Generator().manual_seed(3))
    floats = export_openvino(model, tuple(x.shape), grouped='float')
    assert floats.binary_layers == []
    assert [f[0] for f in floats.measured_float] == ['1']
    report = check_single_output(model, floats, x, threads=1)
    assert report.ok and report.num_binary_layers == 1
    assert report.per_layer() == [
        "1: grouped='float': run as float math on request"
    ]
    with pytest.raises(ValueError, match="grouped must be"):
        export_openvino(model, tuple(x.shape), grouped='fast')


def test_grouped_measure_keeps_the_faster_and_is_exact():
    model = _depthwise_model()[:2]
    x = torch.randn(1, 8, 9, 11, generator=torch.Generator().manual_seed(3))
    measured = export_openvino(model, tuple(x.shape), grouped='measure')
    assert set(measured.layer_timings) == {'1'}
    assert len(measured.binary_layers + measured.measured_float) == 1
    for name, _, why in measured.measured_float:
        assert why.startswith('float by measurement: float ')
    report = check_single_output(model, measured, x, threads=1)
    assert report.ok, report.summary()


def test_measured_choice_is_the_fastest_formulation():
    rng = np.random.default_rng(0)
    plan = BinaryLayerPlan(
        name='dw',
        layer_type='test',
        kind='conv',
        weight_bits=rng.random((16, 1, 3, 3)) > 0.5,
        alpha=np.ones(16, np.float32),
        threshold=np.zeros(16, np.float32),
        pads=(1, 1, 1, 1),
        groups=16)
    timing = choose_layer_formulation(plan, (1, 16, 6, 7), runs=3)
    assert set(timing.times_ms) == {'float', 'blocks4', 'blocks8', 'blocks16'}
    assert all(t > 0 for t in timing.times_ms.values())
    assert timing.choice == min(timing.times_ms, key=timing.times_ms.get)
    assert plan.groups_per_block == 0 and not plan.extra  # untouched
    only_blocks = choose_layer_formulation(
        plan, (1, 16, 6, 7), runs=2, with_float=False)
    assert 'float' not in only_blocks.times_ms
    assert only_blocks.groups_per_block in (4, 8, 16)
