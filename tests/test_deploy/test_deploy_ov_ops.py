# Copyright (c) mmbin contributors. All rights reserved.
"""The packed sub-graph on OpenVINO's CPU plugin against exact references,
and the plugin's traps: u1 bit order, sign(0), pad_value, channel counts
that are not a multiple of 8, subnormal thresholds flushed by
convert_model."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F

ov = pytest.importorskip('openvino')

from mmbin.deploy import (BinaryLayerPlan, binarization_threshold,  # noqa
                          build_binary_layer, compile_model, fq_binarize,
                          pack_u1, u1_constant)
from mmbin.ops import binary_sign  # noqa: E402


def _plan(cin=16, cout=8, k=3, pad=1, pad_value=1.0, pad_mode='constant',
          stride=1, groups=1, threshold=None, seed=0):
    rng = np.random.default_rng(seed)
    return BinaryLayerPlan(
        name='layer',
        layer_type='test',
        kind='conv',
        weight_bits=rng.random((cout, cin // groups, k, k)) > 0.5,
        alpha=np.ones(cout, np.float32),
        threshold=(np.zeros(cin, np.float32)
                   if threshold is None else threshold),
        stride=(stride, stride),
        pads=(pad, pad, pad, pad),
        pad_mode=pad_mode,
        pad_value=pad_value,
        groups=groups)


def _run_plan(plan, x):
    param = ov.opset13.parameter(list(x.shape), np.float32)
    out = build_binary_layer(param.output(0), plan)
    compiled = compile_model(ov.Model([out], [param]), num_threads=1)
    return compiled(x.numpy())[0]


def _exact_reference(plan, x):
    """``conv(pad(x >= t), sign W)`` in float64 (exact integers)."""
    thr = torch.from_numpy(plan.threshold).double().view(1, -1, 1, 1)
    b = (x.double() >= thr).double() * 2 - 1
    top, bottom, left, right = plan.pads
    if plan.pad_mode == 'constant':
        b = F.pad(b, (left, right, top, bottom), value=plan.pad_value)
    else:
        b = F.pad(b, (left, right, top, bottom), mode=plan.pad_mode)
    w = torch.from_numpy(plan.weight_bits).double() * 2 - 1
    return F.conv2d(b, w, None, plan.stride, 0, 1, plan.groups).numpy()


def _input(c, h=9, w=11, seed=0):
    """Normal values with exact +0.0 and -0.0 entries."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, c, h, w, generator=g)
    u = torch.rand(1, c, h, w, generator=g)
    x[u < 0.1] = 0.0
    x[(u >= 0.1) & (u < 0.15)] = -0.0
    return x


def test_pack_u1_is_lsb_first():
    bits = np.zeros(16, bool)
    bits[0] = True  # first element -> lowest bit of byte 0
    bits[9] = True  # tenth element -> bit 1 of byte 1
    assert pack_u1(bits).tolist() == [0x01, 0x02]
    # numpy's default (and OpenVINO's pack_data) is MSB-first
    assert np.packbits(bits).tolist() == [0x80, 0x40]


def test_bit_order_matches_cpu_plugin():
    """LSB-first packing reproduces the layer exactly on CPU; the MSB-first
    order of OpenVINO's own helpers does not (the trap)."""
    plan = _plan(cin=16, cout=8)
    x = _input(16)
    ref = _exact_reference(plan, x)
    np.testing.assert_array_equal(_run_plan(plan, x), ref)

    # same graph with MSB-first weights
    t = ov.Tensor(ov.Type.u1, list(plan.weight_bits.shape))
    t.data[:] = np.packbits(plan.weight_bits.ravel())
    param = ov.opset13.parameter(list(x.shape), np.float32)
    conv = ov.opset13.binary_convolution(
        fq_binarize(param.output(0), plan.threshold), ov.op.Constant(t),
        [1, 1], [1, 1], [1, 1], [1, 1], 'xnor-popcount', 1.0)
    wrong = compile_model(ov.Model([conv], [param]), 1)(x.numpy())[0]
    assert np.abs(wrong - ref).max() > 0


def test_u1_weights_are_stored_packed(tmp_path):
    bits = np.random.default_rng(0).random((64, 64, 3, 3)) > 0.5
    param = ov.opset13.parameter([1, 64, 8, 8], np.float32)
    conv = ov.opset13.binary_convolution(
        fq_binarize(param.output(0), np.zeros(64, np.float32)),
        u1_constant(bits), [1, 1], [1, 1], [1, 1], [1, 1], 'xnor-popcount',
        1.0)
    xml = str(tmp_path / 'm.xml')
    ov.save_model(ov.Model([conv], [param]), xml, compress_to_fp16=False)
    size = osp.getsize(xml[:-4] + '.bin')
    # 36,864 weights at 1 bit = 4,608 bytes, plus 2 x 64 float thresholds
    assert 4608 <= size <= 4608 + 2 * 64 * 4 + 64


def test_sign_zero_is_plus_one():
    """``x >= t`` (sign(0) = +1, also for -0.0 and for x equal to an RSign
    threshold) needs the threshold nextafter(t, -inf); threshold t itself
    gives sign(t) = -1 (the trap)."""
    x = _input(16)
    thr = np.zeros(16, np.float32)
    thr[8:] = np.random.default_rng(1).normal(size=8).astype(np.float32)
    x[0, 8:, 0, :3] = torch.from_numpy(thr[8:]).view(8, 1)  # exact ties
    assert binarization_threshold(0.0) == -np.float32(1.4e-45)
    plan = _plan(cin=16, cout=8, threshold=thr)
    ref = _exact_reference(plan, x)
    np.testing.assert_array_equal(_run_plan(plan, x), ref)
    # the reference agrees with mmbin's binary_sign
    assert torch.equal(
        (x >= torch.from_numpy(thr).view(1, -1, 1, 1)).float() * 2 - 1,
        binary_sign(x - torch.from_numpy(thr).view(1, -1, 1, 1)))

    # naive: FakeQuantize at the threshold itself -> sign(t) = -1
    param = ov.opset13.parameter(list(x.shape), np.float32)
    t = ov.opset13.constant(thr.reshape(1, -1, 1, 1))
    fq = ov.opset13.fake_quantize(param, t, t,
                                  ov.opset13.constant(np.float32(0)),
                                  ov.opset13.constant(np.float32(1)), 2)
    conv = ov.opset13.binary_convolution(fq, u1_constant(plan.weight_bits),
                                         [1, 1], [1, 1], [1, 1], [1, 1],
                                         'xnor-popcount', 1.0)
    naive = compile_model(ov.Model([conv], [param]), 1)(x.numpy())[0]
    assert np.abs(naive - ref).max() > 0


@pytest.mark.parametrize('pad_value', [1.0, -1.0])
def test_pad_value_semantics(pad_value):
    """The CPU kernel pads with +1 for pad_value 1.0 and with -1 for -1.0;
    all-negative inputs make the border depend on it."""
    x = -torch.rand(1, 16, 6, 7) - 0.1
    plan = _plan(cin=16, cout=8, pad=2, k=5, pad_value=pad_value)
    ref = _exact_reference(plan, x)
    np.testing.assert_array_equal(_run_plan(plan, x), ref)
    other = _exact_reference(
        _plan(cin=16, cout=8, pad=2, k=5, pad_value=-pad_value), x)
    assert np.abs(other - ref).max() > 0


@pytest.mark.parametrize('mode', ['reflect', 'replicate', 'circular'])
def test_non_constant_padding(mode):
    x = _input(16)
    plan = _plan(cin=16, cout=8, pad_mode=mode)
    np.testing.assert_array_equal(
        _run_plan(plan, x), _exact_reference(plan, x))


@pytest.mark.parametrize('cin,groups', [(12, 1), (20, 1), (3, 1), (12, 2),
                                        (16, 4)])
def test_channels_not_multiple_of_8(cin, groups):
    """The u1 kernel is wrong (or refuses) for input channels per group not
    a multiple of 8; the builder pads channels and subtracts the
    constant."""
    x = _input(cin)
    for pad_value in (1.0, -1.0):
        plan = _plan(
            cin=cin, cout=4 * groups, groups=groups, pad_value=pad_value)
        np.testing.assert_array_equal(
            _run_plan(plan, x), _exact_reference(plan, x))


def test_stride_and_alpha():
    x = _input(16, 10, 13)
    plan = _plan(cin=16, cout=8, stride=2)
    plan.alpha = np.linspace(0.1, 2.0, 8).astype(np.float32)
    ref = _exact_reference(plan, x) * plan.alpha.reshape(1, -1, 1, 1)
    np.testing.assert_allclose(_run_plan(plan, x), ref, rtol=1e-6)
