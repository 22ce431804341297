# Copyright (c) mmbin contributors. All rights reserved.
"""CFB's channel fusion exported as a fixed 1x1 averaging convolution
instead of channel slices (OpenVINO's reference VariadicSplit)."""
import numpy as np
import pytest
import torch

pytest.importorskip('openvino')

from mmbin.deploy import (cfb_as_fixed_conv, compile_model,  # noqa: E402
                          export_openvino, fuse_down_as_conv,
                          fuse_down_matrix)
from mmbin.models.decode_heads import BypassConvModule  # noqa: E402
from mmbin.ops import channel_adaptive_bypass  # noqa: E402
from mmbin.ops.bidense_conv import CFBConv2d  # noqa: E402


@pytest.mark.parametrize('cin,cout', [(128, 64), (20, 6), (7, 3), (9, 1),
                                      (5, 5), (6, 16), (24, 40)])
def test_fixed_conv_equals_reference_bypass(cin, cout):
    x = torch.randn(2, cin, 5, 7, generator=torch.Generator().manual_seed(0))
    ref = channel_adaptive_bypass(x, cout)
    with cfb_as_fixed_conv():
        got = channel_adaptive_bypass(x, cout)
    torch.testing.assert_close(got, ref, rtol=1e-6, atol=1e-6)
    # the switch is undone on exit
    from mmbin.ops import cfb
    assert cfb._fuse_down is not fuse_down_as_conv


def test_fuse_down_matrix_rows():
    a = fuse_down_matrix(7, 3)
    # g = 2, head = 4: outputs 0 and 1 average channels {0, 2} and {1, 3},
    # the last one channels 4..6
    expected = torch.tensor([[.5, 0, .5, 0, 0, 0, 0], [0, .5, 0, .5, 0, 0, 0],
                             [0, 0, 0, 0, 1 / 3, 1 / 3, 1 / 3]])
    torch.testing.assert_close(a, expected)
    torch.testing.assert_close(a.sum(1), torch.ones(3))
    with pytest.raises(ValueError, match='out_channels must be in 1..'):
        fuse_down_matrix(4, 5)


class _Block(torch.nn.Module):
    """The decoder's bypass blocks (uneven fusion-down 24 -> 10 after a
    convolution, as in the Bi-MTDP heads) and BiDense's unit."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 24, 3, padding=1)
        self.head = BypassConvModule(
            24, 10, act_cfg=dict(type='PReLU'), bypass=True)
        self.up = CFBConv2d(10, 28, 3, padding=1, act_binarizer=None,
                            weight_binarizer=None)

    def forward(self, x):
        return self.up(self.head(self.stem(x)))


def _split_ops(ov_model):
    return [
        op.get_type_name() for op in ov_model.get_ops()
        if op.get_type_name() in ('Slice', 'StridedSlice', 'Split',
                                  'VariadicSplit')
    ]


def test_exported_ir_equals_module_without_channel_splits():
    torch.manual_seed(0)
    model = _Block().eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    x = torch.randn(1, 3, 20, 24)
    with torch.no_grad():
        ref = model(x).numpy()
    for cfb_conv in (True, False):
        exported = export_openvino(model, tuple(x.shape), cfb_conv=cfb_conv)
        out = compile_model(exported.ov_model, 1)(x.numpy())[0]
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
        if cfb_conv:
            assert _split_ops(exported.ov_model) == []
        else:
            # the reference form slices channels (what the fixed conv
            # replaces)
            assert _split_ops(exported.ov_model)
