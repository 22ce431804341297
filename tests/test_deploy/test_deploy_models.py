# Copyright (c) mmbin contributors. All rights reserved.
"""Whole models through OpenVINO: a tiny Bi-MTDP-style multi-task model
built from a config (BiResNet, IB neck, binary FPN decoder and heads) and
a Bi-Real-18-style classifier."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn

pytest.importorskip('openvino')

from _helpers.ir_checks import check_single_output  # noqa: E402
from _helpers.multitask import (  # noqa: E402
    tiny_bimtdp_cfg as tiny_multitask_cfg)
from _helpers.randomize import randomize_trained as randomize  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402

from mmbin.deploy import (BiRealClassifier, attach_openvino,  # noqa: E402
                          binary_kernel_report, compile_model,
                          export_openvino, make_fp_twin, read_export_info,
                          read_model, runtime_config, save_exported)
from mmbin.ops import BinaryConv2d  # noqa: E402


@pytest.fixture(scope='module')
def multitask():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(tiny_multitask_cfg())
    model.init_weights()
    randomize(model.eval())
    exported = export_openvino(model, (1, 3, 64, 64))
    return model, exported


def test_multitask_predictions_agree(multitask):
    model, exported = multitask
    assert exported.output_names == ['seg', 'depth', 'normal', 'edge']
    compiled = compile_model(exported.ov_model, 1)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(3))
    res = compiled(x.numpy())
    with torch.no_grad():
        ref = model.encode_decode(x, None)
    outs = {n: res[compiled.outputs[i]] for i, n in enumerate(ref)}
    seg_agree = (outs['seg'].argmax(1) == ref['seg'].numpy().argmax(1))
    assert seg_agree.mean() >= 0.999
    for task in ('depth', 'normal'):
        r = ref[task].numpy()
        rel = np.abs(outs[task] - r).max() / np.abs(r).max()
        assert rel <= 1e-4, f'{task}: relative error {rel}'


def test_multitask_binary_convs_all_on_u1(multitask):
    model, exported = multitask
    binary = [
        n for n, m in model.named_modules()
        if isinstance(m, BinaryConv2d) and m.binarized_input
    ]
    # the IB neck's log-variance branch does not reach any output at
    # inference and is pruned
    assert exported.unused_layers == ['neck.branches.3.conv_logvar']
    assert sorted(exported.binary_layers) == sorted(
        n for n in binary if n not in exported.unused_layers)
    report = binary_kernel_report(
        compile_model(exported.ov_model, 1),
        read_export_info(exported.ov_model))
    assert report.ok, report.summary()
    assert len(report.on_u1) == len(binary) - 1 == 16 + 1 + 5 + 4


def test_saved_ir_roundtrip_and_size(multitask, tmp_path):
    model, exported = multitask
    xml = save_exported(exported, str(tmp_path / 'bin'))
    twin = export_openvino(make_fp_twin(model), (1, 3, 64, 64))
    twin_xml = save_exported(twin, str(tmp_path / 'fp'))
    size = osp.getsize(xml[:-4] + '.bin')
    twin_size = osp.getsize(twin_xml[:-4] + '.bin')
    assert twin_size > 6 * size  # binary weights are stored at 1 bit
    loaded = read_model(str(tmp_path / 'bin'))
    info = read_export_info(loaded)
    assert info['output_names'] == exported.output_names
    assert sorted(info['binary_layers']) == sorted(exported.binary_layers)
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(
        np.float32)
    a = compile_model(exported.ov_model, 1)(x)
    b = compile_model(loaded, 1)(x)
    for i in range(4):
        np.testing.assert_array_equal(a[i], b[i])
    assert binary_kernel_report(compile_model(loaded, 1), info).ok


def test_fp_twin_is_the_float_model(multitask):
    model, _ = multitask
    twin = make_fp_twin(model)
    assert not any(
        m.act_binarizer is not None or m.weight_binarizer is not None
        for m in twin.modules() if isinstance(m, BinaryConv2d))
    assert model.decode_heads['seg'].convs[0].conv.act_binarizer is not None
    conv = twin.backbone.layer1[0].conv1
    x = torch.randn(1, conv.in_channels, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(
            conv(x), nn.functional.conv2d(x, conv.weight, None, 1, 1))


def test_distillation_teacher_is_not_copied(multitask):
    model, _ = multitask
    init_default_scope('mmseg')
    teacher = MODELS.build(tiny_multitask_cfg()).eval()
    model.set_teacher(teacher)
    try:
        twin = make_fp_twin(model)
        assert twin.teacher is None and model.teacher is teacher
    finally:
        model.set_teacher(None)


def test_attach_openvino_runs_predict(multitask):
    """predict() with the IR gives the PyTorch prediction fields."""
    model, exported = multitask
    init_default_scope('mmseg')
    host = MODELS.build(tiny_multitask_cfg()).eval()  # untrained weights
    attach_openvino(host, exported.ov_model, num_threads=1)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        got = host.predict(x)[0]
        ref = model.predict(x)[0]
    agree = (got.pred_sem_seg.data == ref.pred_sem_seg.data).float().mean()
    assert agree >= 0.999
    torch.testing.assert_close(
        got.pred_depth_map.data, ref.pred_depth_map.data, rtol=1e-4,
        atol=1e-5)
    with pytest.raises(ValueError, match='--shape 32 64'):
        host.predict(torch.randn(1, 3, 32, 64))
    # batch 2: the IR reshaped to batch 2 (checked against batch 1)
    x2 = torch.cat([x, torch.flip(x, [3])])
    with torch.no_grad():
        got2 = host.predict(x2)
    assert host._openvino_runner.served[(2, 3, 64, 64)] == 'reshaped'
    torch.testing.assert_close(
        got2[0].pred_depth_map.data, got.pred_depth_map.data, rtol=1e-5,
        atol=1e-6)


def test_runtime_config_forces_f32():
    assert runtime_config(2) == {
        'INFERENCE_PRECISION_HINT': 'f32',
        'PERFORMANCE_HINT': 'LATENCY',
        'NUM_STREAMS': 1,
        'INFERENCE_NUM_THREADS': 2
    }


def test_bireal_classifier():
    torch.manual_seed(0)
    model = randomize(
        BiRealClassifier(num_classes=10, base_channels=16).eval(), seed=1)
    x = torch.randn(1, 3, 96, 96)
    exported = export_openvino(model, tuple(x.shape))
    assert exported.output_names == ['output0']
    report = check_single_output(model, exported, x, threads=2)
    assert report.ok and len(report.on_u1) == 16
