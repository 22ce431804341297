# Copyright (c) mmbin contributors. All rights reserved.
"""One OpenVINO runner for every batch size and input size: compiled per
input shape with a cache, or a clear error naming the size the IR takes."""
import pytest
import torch

pytest.importorskip('openvino')

from _helpers.multitask import tiny_bimtdp_cfg  # noqa: E402
from _helpers.randomize import randomize_trained  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402

from mmbin.deploy import (OpenVINOEncodeDecode, attach_openvino,  # noqa
                          binary_kernel_report, export_openvino,
                          read_export_info)

IR_SHAPE = (1, 3, 32, 32)


@pytest.fixture(scope='module')
def model_and_ir():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(tiny_bimtdp_cfg(ib=False))
    model.init_weights()
    randomize_trained(model.eval())
    return model, export_openvino(model, IR_SHAPE)


def _check(got, ref):
    agree = (got['seg'].argmax(1) == ref['seg'].argmax(1)).float().mean()
    assert agree >= 0.999
    for task in ('depth', 'normal'):
        rel = (got[task] - ref[task]).abs().max() / ref[task].abs().max()
        assert rel <= 1e-4, (task, float(rel))


def test_ir_only_batches_and_other_sizes_fail(model_and_ir):
    model, exported = model_and_ir
    names = exported.output_names
    runner = OpenVINOEncodeDecode(exported.ov_model, names, True, 1)
    g = torch.Generator().manual_seed(1)
    for _ in range(2):
        x = torch.randn(2, 3, 32, 32, generator=g)
        got = runner(x)
        assert got['seg'].shape[0] == 2
        with torch.no_grad():
            ref = model.encode_decode(x, None)
        _check(got, ref)
    # this IR (no IB neck) reshapes to batch 2 and the check against the
    # IR run sample by sample passed: the batch-2 model is cached
    assert runner.served[(2, 3, 32, 32)] == 'reshaped'
    assert list(runner._cache) == [(2, 3, 32, 32)]
    with pytest.raises(ValueError) as err:
        runner(torch.randn(1, 3, 64, 32))
    message = str(err.value)
    assert '(1, 3, 32, 32) (size 32x32)' in message
    assert '--shape 64 32' in message


def test_unreshapeable_ir_runs_batches_per_sample():
    """An IR whose reshape fails (a constant-shape Reshape, as traced CFB
    slices were) still takes batches: one call per sample."""
    import numpy as np
    import openvino as ov
    import openvino.opset13 as ops
    x = ops.parameter([1, 3, 4, 4], np.float32, name='img')
    flat = ops.reshape(x, ops.constant(np.array([1, 48], np.int64)), False)
    y = ops.reshape(
        ops.multiply(flat, ops.constant(np.float32(2.0))),
        ops.constant(np.array([1, 3, 4, 4], np.int64)), False)
    y.output(0).get_tensor().set_names({'seg_logits'})
    model = ov.Model([y], [x])
    runner = OpenVINOEncodeDecode(model, ['seg_logits'], False, 1)
    inp = torch.randn(3, 3, 4, 4)
    torch.testing.assert_close(runner(inp), 2 * inp)
    assert runner.served[(3, 3, 4, 4)] == 'per-sample'
    assert not runner._cache
    with pytest.raises(ValueError, match=r'\(1, 3, 4, 4\) \(size 4x4\)'):
        runner(torch.randn(1, 3, 8, 4))


def test_with_source_model_other_shapes_are_exported_and_cached(
        model_and_ir):
    model, exported = model_and_ir
    host = MODELS.build(tiny_bimtdp_cfg(ib=False)).eval()
    attach_openvino(host, exported.ov_model, num_threads=1, source=model)
    runner = host._openvino_runner
    g = torch.Generator().manual_seed(2)
    # batch 2 at a second size: exported once, then served from the cache
    shape = (2, 3, 64, 32)
    for _ in range(2):
        x = torch.randn(*shape, generator=g)
        got = host.encode_decode(x, None)
        assert tuple(got['depth'].shape) == (2, 1, 64, 32)
        with torch.no_grad():
            ref = model.encode_decode(x, None)
        _check(got, ref)
    assert runner.served == {IR_SHAPE: 'ir', shape: 'exported'}
    entry = runner._cache[shape]
    assert tuple(entry.compiled.inputs[0].get_shape()) == shape
    report = binary_kernel_report(entry.compiled,
                                  read_export_info(exported.ov_model))
    assert report.ok, report.summary()
