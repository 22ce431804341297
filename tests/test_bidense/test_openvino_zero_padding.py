# Copyright (c) mmbin contributors. All rights reserved.
"""Can the paper-faithful zero padding of BiDense's binary convolutions run
on OpenVINO's packed kernel? ``BinaryConvolution`` with ``pad_value=0.0``
against a float convolution of zero-padded signs (docs/bidense.md)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

ov = pytest.importorskip('openvino')
ops = pytest.importorskip('openvino.opset13')

from mmbin.deploy.ov_binary_ops import fq_binarize, u1_constant  # noqa: E402


def _binary_conv(x, w_bits, pad, pad_value):
    p = ops.parameter(list(x.shape), ov.Type.f32)
    # sign(0) = +1: binarize x >= 0 (threshold just below 0)
    fq = fq_binarize(p.output(0), np.full(x.shape[1], -1e-30, np.float32),
                     name='bits')
    conv = ops.binary_convolution(fq, u1_constant(w_bits, 'w'), [1, 1],
                                  [pad, pad], [pad, pad], [1, 1],
                                  'xnor-popcount', pad_value)
    model = ov.Model([conv.output(0)], [p])
    return ov.Core().compile_model(model, 'CPU')(x)[0]


@pytest.mark.parametrize('pad_value', [0.0, 1.0])
@pytest.mark.parametrize('cin,k', [(8, 3), (16, 7)])
def test_binary_convolution_pad_value(cin, k, pad_value):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, cin, 9, 11)).astype(np.float32)
    w = rng.standard_normal((5, cin, k, k)).astype(np.float32)
    out = _binary_conv(x, w >= 0, k // 2, pad_value)
    sx = torch.from_numpy(np.where(x >= 0, 1.0, -1.0).astype(np.float32))
    sw = torch.from_numpy(np.where(w >= 0, 1.0, -1.0).astype(np.float32))
    ref = F.conv2d(F.pad(sx, (k // 2, ) * 4, value=pad_value), sw).numpy()
    np.testing.assert_array_equal(out, ref)
    if pad_value == 0.0:  # the border really differs from +1 padding
        plus = F.conv2d(F.pad(sx, (k // 2, ) * 4, value=1.0), sw).numpy()
        assert np.abs(out - plus).max() > 0
