# Copyright (c) mmbin contributors. All rights reserved.
"""Every supported binary layer exported to OpenVINO equals the PyTorch
eval-mode module; layers that cannot be packed are refused by name."""
import numpy as np
import pytest
import torch
import torch.nn as nn

pytest.importorskip('openvino')

from _helpers.ir_checks import check_single_output  # noqa: E402
from _helpers.randomize import randomize_batchnorm  # noqa: E402

from mmbin.deploy import (BinaryKernelError,  # noqa: E402
                          UnsupportedBinaryLayerError, binary_kernel_report,
                          compile_model, export_openvino, plan_binary_layer,
                          read_export_info)
from mmbin.ops import (BiDenseConv, BinaryConv2d,  # noqa: E402
                       BinaryConvTranspose2d, BiRealConv, BNNConv, ReActConv,
                       SignSTE, XNORConv)
from mmbin.ops.bidense_conv import CFBConv2d  # noqa: E402


def _zoo():
    """name -> layer; every layer takes the first ``in_channels`` channels
    of one shared (1, 16, 9, 11) input."""
    return {
        'bnn': BNNConv(16, 24, 3, padding=1, bias=False),
        'xnor_s2': XNORConv(16, 24, 3, stride=2, padding=1),
        'bireal_dilated': BiRealConv(16, 16, 3, padding=2, dilation=2),
        'react': ReActConv(16, 24, 3, padding=1),
        'pad_minus_one': BinaryConv2d(16, 16, 3, padding=1, pad_value=-1.0),
        'reflect': BinaryConv2d(16, 16, 3, padding=1, padding_mode='reflect'),
        'replicate': XNORConv(16, 16, 3, padding=1, padding_mode='replicate'),
        'circular': XNORConv(16, 16, 3, padding=1, padding_mode='circular'),
        'cin12': ReActConv(12, 16, 3, padding=1),
        'groups2': BiRealConv(16, 16, 3, padding=1, groups=2),
        'pointwise_bias': BinaryConv2d(16, 8, 1, bias=True),
        'cfb_react': CFBConv2d(
            16,
            24,
            3,
            padding=1,
            act_binarizer=dict(type='RSign'),
            weight_binarizer=dict(type='XNORWeight')),
        'bidense_output': BiDenseConv(16, 24, 3, padding=1,
                                      scale_mode='output'),
        'bidense_sample': BiDenseConv(16, 16, 3, stride=2, padding=1,
                                      scale_mode='sample'),
        'transpose': BinaryConvTranspose2d(
            16,
            8,
            2,
            stride=2,
            act_binarizer=dict(type='RSign'),
            weight_binarizer=dict(type='XNORWeight')),
    }


class _Zoo(nn.Module):

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleDict(layers)

    def forward(self, x):
        return tuple(
            layer(x[:, :layer.in_channels]) for layer in self.layers.values())


def _input():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 16, 9, 11, generator=g)
    u = torch.rand(1, 16, 9, 11, generator=g)
    x[u < 0.1] = 0.0
    x[(u >= 0.1) & (u < 0.15)] = -0.0
    return x


def _randomize(model, x):
    """Trained-looking parameters: BN statistics, biases, RSign thresholds
    (some equal to input values: exact ties), DAB parameters."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                randomize_batchnorm(m, g, 0.5, (0.5, 2.0), 0.3)
            if isinstance(m, (BinaryConv2d, BinaryConvTranspose2d)):
                m.weight.normal_(0, 1, generator=g)
                if m.bias is not None:
                    m.bias.normal_(0, 1, generator=g)
                b = m.act_binarizer
                if hasattr(b, 'threshold'):
                    b.threshold.normal_(0, 0.5, generator=g)
                    b.threshold[:4] = x[0, :4, 1, 2]
                if hasattr(b, 'k'):
                    for p in (b.k, b.a, b.b):
                        p.normal_(0, 0.3, generator=g)


@pytest.fixture(scope='module')
def zoo():
    x = _input()
    model = _Zoo(_zoo()).eval()
    _randomize(model, x)
    exported = export_openvino(model, tuple(x.shape))
    compiled = compile_model(exported.ov_model, num_threads=1)
    outs = compiled(x.numpy())
    with torch.no_grad():
        refs = model(x)
    return dict(
        model=model,
        x=x,
        exported=exported,
        compiled=compiled,
        outs=[outs[o] for o in compiled.outputs],
        refs=[r.numpy() for r in refs])


@pytest.mark.parametrize('index,name', list(enumerate(_zoo())))
def test_exported_layer_equals_module(zoo, index, name):
    out, ref = zoo['outs'][index], zoo['refs'][index]
    assert out.shape == ref.shape
    # one flipped bit changes an output by 2 * alpha (~1.6 here); float
    # rounding of the scale, bias and BN stays below 1e-5 relative
    err = np.abs(out - ref).max() / np.abs(ref).max()
    assert err < 2e-6, f'{name}: relative error {err}'
    if name == 'bnn':
        # SignWeight without bias: integer outputs, bit-exact
        np.testing.assert_array_equal(out, ref)


def test_every_zoo_layer_runs_on_u1(zoo):
    report = binary_kernel_report(zoo['compiled'],
                                  read_export_info(zoo['exported'].ov_model))
    assert report.ok, report.summary()
    assert report.num_binary_layers == len(_zoo())
    assert sorted(report.on_u1) == sorted(f'layers.{n}' for n in _zoo())
    assert all(p.endswith('_u1') for p in report.primitives)
    assert 'on the u1 kernel in the compiled runtime graph: 15/15' in \
        report.summary()


@pytest.mark.parametrize('name', [
    n for n, m in _zoo().items() if isinstance(m, BinaryConv2d)
    and not isinstance(m, BiDenseConv)
])
def test_plan_reference_equals_module_arithmetic(zoo, name):
    """The plan (weight bits, alpha, threshold, padding) read from a layer
    reproduces the layer's own binary arithmetic in PyTorch."""
    layer = zoo['model'].layers[name]
    x = zoo['x'][:, :layer.in_channels]
    plan = plan_binary_layer(name, layer)
    with torch.no_grad():
        ref = layer.conv_binary(x)
        got = plan.reference(x)
        if layer.bias is not None:
            got = got + layer.bias.view(1, -1, 1, 1)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-5)


def test_dab_input_scale_is_refused_by_name():
    model = nn.Sequential(
        nn.Conv2d(8, 16, 1), BiDenseConv(16, 16, 3, padding=1)).eval()
    with pytest.raises(UnsupportedBinaryLayerError) as err:
        export_openvino(model, (1, 8, 8, 8))
    msg = str(err.value)
    assert '1 (BiDenseConv)' in msg  # module path and type
    assert 'per input channel' in msg
    assert "scale_mode='output'" in msg  # points at the deployable option
    assert err.value.problems[0][0] == '1'


def test_allow_float_keeps_unpackable_layers_exact_but_reports_them():
    torch.manual_seed(0)
    model = nn.Sequential(
        BiDenseConv(16, 16, 3, padding=1),
        ReActConv(16, 16, 3, padding=1)).eval()
    x = torch.randn(1, 16, 8, 8)
    exported = export_openvino(model, tuple(x.shape), allow_float=True)
    assert exported.binary_layers == ['1']
    assert [f[0] for f in exported.float_layers] == ['0']
    report = check_single_output(model, exported, x, threads=1)
    assert report.on_u1 == ['1'] and not report.ok
    with pytest.raises(BinaryKernelError, match=r'float fallback: 0 '):
        report.raise_if_failed()


def test_unpackable_layers_are_listed_together():

    class ShiftedSign(SignSTE):
        """A binarizer the exporter has no rule for."""

    class Custom(BinaryConv2d):

        def conv_binary(self, x):
            return super().conv_binary(x) * 2

    model = nn.Sequential(
        BiRealConv(32, 32, 3, padding=1, groups=32),  # depthwise: packable
        BinaryConv2d(32, 32, 3, padding=1,
                     act_binarizer=ShiftedSign()),
        Custom(32, 32, 1),
        XNORConv(32, 32, 3, padding=1)).eval()
    with pytest.raises(UnsupportedBinaryLayerError) as err:
        export_openvino(model, (1, 32, 8, 8))
    names = [p[0] for p in err.value.problems]
    assert names == ['1', '2']
    msg = str(err.value)
    assert 'ShiftedSign' in msg and 'overrides conv_binary' in msg
