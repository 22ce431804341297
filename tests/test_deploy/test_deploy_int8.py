# Copyright (c) mmbin contributors. All rights reserved.
"""What a user would deploy instead of a binary model: NNCF int8 in
OpenVINO (FP model, and the binary model's float layers), ONNX Runtime
fp32 and int8, the calibration images from the training split, and their
accuracy through the test runner (delta-m against the FP model)."""
import os.path as osp

import numpy as np
import pytest
import torch

pytest.importorskip('openvino')
pytest.importorskip('nncf')
pytest.importorskip('onnxruntime')

from _helpers.multitask import tiny_multitask_cfg  # noqa: E402
from _helpers.randomize import randomize_trained  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402

from mmbin.deploy import (ONNXRuntimeEncodeDecode,  # noqa: E402
                          benchmark_accuracy, binary_kernel_report,
                          calibration_inputs, compile_model, export_onnx,
                          export_openvino, ort_session, quantize_onnx_int8,
                          quantize_openvino_int8, read_export_info,
                          row_labels, save_exported)

from .test_deploy_tools import CONFIG  # noqa: E402

SHAPE = (1, 3, 48, 64)
TASKS = ('seg', 'depth', 'normal', 'edge')


def _build(binary):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(tiny_multitask_cfg(binary=binary))
    model.init_weights()
    return randomize_trained(model.eval())


@pytest.fixture(scope='module')
def fp_config(tmp_path_factory, repo_root, tiny_nyud):
    """A tiny FP multi-task config on the tiny synthetic set, with its
    training split, and a checkpoint."""
    tmp = str(tmp_path_factory.mktemp('int8'))
    cfg = CONFIG.format(
        root=repo_root, data=tiny_nyud,
        model=repr(tiny_multitask_cfg())).replace(
            'train_dataloader = None',
            f"train_dataloader = dict(num_workers=0, persistent_workers="
            f"False, dataset=dict(data_root='{tiny_nyud}'))\n"
            "train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)\n"
            "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))")
    path = osp.join(tmp, 'tiny_fp.py')
    with open(path, 'w') as f:
        f.write(cfg)
    model = _build(False)
    ckpt = osp.join(tmp, 'tiny_fp.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    return path, ckpt, model, tmp


def _corr(a, b):
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _precisions(compiled, layer_type):
    return [
        n.get_rt_info()['runtimePrecision'].astype(str)
        for n in compiled.get_runtime_model().get_ordered_ops()
        if n.get_rt_info()['layerType'].astype(str) == layer_type
    ]


def test_calibration_inputs_from_the_training_split(fp_config, tiny_nyud):
    config = fp_config[0]
    calib = calibration_inputs(config, 3)
    again = calibration_inputs(config, 3)
    assert len(calib) == 3
    for a, b in zip(calib, again):
        assert a.shape == SHAPE and a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    # three different training scenes (first, middle, last of 8)
    assert not np.array_equal(calib[0], calib[1])
    resized = calibration_inputs(config, 2, hw=(24, 32))
    assert resized[0].shape == (1, 3, 24, 32)
    with pytest.raises(FileNotFoundError, match='missing_root'):
        calibration_inputs(
            config, 1,
            cfg_options={'train_dataloader.dataset.data_root': 'missing_root'})
    with pytest.raises(ValueError, match='count >= 1'):
        calibration_inputs(config, 0)


def test_nncf_int8_fp_model(fp_config):
    calib = calibration_inputs(fp_config[0], 2)
    x = calib[-1]
    fp = export_openvino(fp_config[2], SHAPE)
    ref = compile_model(fp.ov_model, 1)(x)
    q = compile_model(quantize_openvino_int8(fp, calib), 1)
    # the float convolutions now run in int8
    precisions = _precisions(q, 'Convolution')
    assert precisions and all(p in ('u8', 'i8') for p in precisions), \
        precisions
    out = q(x)
    for i in range(len(TASKS)):
        assert _corr(out[i], ref[i]) > 0.9, TASKS[i]
    with pytest.raises(ValueError, match='at least one calibration'):
        quantize_openvino_int8(fp, [])


def test_nncf_int8_on_the_binary_models_float_layers(fp_config):
    calib = calibration_inputs(fp_config[0], 2)
    binary = _build(True)
    exported = export_openvino(binary, SHAPE)
    ref = compile_model(exported.ov_model, 1)(calib[0])
    qb = compile_model(quantize_openvino_int8(exported, calib), 1)
    # the binary convs stay on the 1-bit kernel, the float ones go int8
    report = binary_kernel_report(qb, read_export_info(exported.ov_model))
    assert report.ok and len(report.on_u1) == report.num_binary_layers > 0
    assert any(p in ('u8', 'i8') for p in _precisions(qb, 'Convolution'))
    out = qb(calib[0])
    assert _corr(out[1], ref[1]) > 0.5  # depth, through int8 and sign flips


def test_onnx_runtime_fp32_int8_and_runner(fp_config):
    config, _, model, tmp = fp_config
    onnx_fp = osp.join(tmp, 'fp.onnx')
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    names = export_onnx(model, SHAPE, onnx_fp)
    assert names == list(TASKS)
    # the model is left as it was (the exporter restores train mode on
    # the module it is given: it works on a copy)
    assert not model.training
    assert all(torch.equal(v, sd[k]) for k, v in model.state_dict().items())
    calib = calibration_inputs(config, 4)
    x = calib[0]
    with torch.no_grad():
        ref = model.encode_decode(torch.from_numpy(x), None)
    sess = ort_session(onnx_fp, 1)
    out = sess.run(None, {'img': x})
    for i, task in enumerate(TASKS):
        r = ref[task].numpy()
        assert np.abs(out[i] - r).max() <= 1e-4 * np.abs(r).max(), task

    onnx_int8 = quantize_onnx_int8(onnx_fp, osp.join(tmp, 'int8.onnx'),
                                   calib)
    import onnx
    ops = {n.op_type for n in onnx.load(onnx_int8).graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear'} <= ops
    assert osp.getsize(onnx_int8) < 0.6 * osp.getsize(onnx_fp)
    out8 = ort_session(onnx_int8, 1).run(None, {'img': x})
    for i in range(len(TASKS)):
        assert _corr(out8[i], out[i]) > 0.9, TASKS[i]

    runner = ONNXRuntimeEncodeDecode(sess, list(TASKS), True)
    x2 = torch.from_numpy(np.concatenate([calib[1], calib[2]]))
    got = runner(x2)
    for i, task in enumerate(TASKS):
        np.testing.assert_allclose(
            got[task][1:].numpy(),
            sess.run(None, {'img': calib[2]})[i],
            rtol=1e-6,
            atol=1e-6)
    with pytest.raises(ValueError, match=r'size 48x64.*--shape 32 64'):
        runner(torch.zeros(1, 3, 32, 64))


def test_accuracy_rows_and_delta_m(fp_config):
    """Every deployed row is evaluated by the test runner; the exact
    exports have delta-m ~0 against the PyTorch model."""
    config, ckpt, model, tmp = fp_config
    xml = save_exported(
        export_openvino(model, SHAPE), osp.join(tmp, 'acc_ov'))
    onnx_fp = osp.join(tmp, 'acc.onnx')
    export_onnx(model, SHAPE, onnx_fp)
    labels = row_labels('FP')
    result = dict(
        labels=labels,
        rows={
            labels['ov_bin']: dict(role='ov_bin', path=xml),
            labels['ort_fp']: dict(role='ort_fp', path=onnx_fp),
            labels['ov_fp_int8']: dict(role='ov_fp_int8', error='skipped'),
        })
    # the same FP checkpoint plays both models: every exact row must agree
    acc = benchmark_accuracy(
        result, config, ckpt, fp_config=config, fp_checkpoint=ckpt,
        num_threads=1, work_dir=osp.join(tmp, 'eval'))
    assert acc['baseline'] == 'torch FP'
    assert acc['keys'] == ['seg/mIoU', 'depth/rmse', 'normal/mean',
                           'edge/odsF']
    rows = acc['rows']
    assert set(rows) == {'torch_bin', 'ov_bin', 'torch_fp', 'ort_fp'}
    assert rows['torch_fp']['delta_m'] == 0.0
    for role in ('torch_bin', 'ov_bin', 'ort_fp'):
        assert abs(rows[role]['delta_m']) < 0.05, (role, rows[role])
    assert rows['ort_fp']['metrics']['seg/mIoU'] == pytest.approx(
        rows['torch_fp']['metrics']['seg/mIoU'], abs=1e-3)


def test_benchmark_model_rows_with_alternatives(tmp_path):
    """The benchmark's int8 and ONNX Runtime rows on a narrow Bi-Real
    classifier: built, sized and timed (median and quartiles)."""
    from mmbin.deploy import (BiRealClassifier, benchmark_model,
                              random_calibration_inputs)
    torch.manual_seed(0)
    model = randomize_trained(
        BiRealClassifier(num_classes=10, base_channels=16).eval())
    shape = (1, 3, 32, 32)
    res = benchmark_model(
        'cls', model, shape, str(tmp_path), threads=[1], warmup=0, runs=3,
        alternatives=True,
        calibration=random_calibration_inputs(shape, 2))
    rows = res['rows']
    labels = res['labels']
    assert [r['role'] for r in rows.values()] == [
        'torch_fp', 'torch_bin', 'ov_fp', 'ov_bin', 'ov_fp_bf16',
        'ov_bin_bf16', 'ov_fp_int8', 'ov_bin_int8', 'ort_fp', 'ort_fp_int8'
    ]
    for r in rows.values():
        assert 'error' not in r, r
        lo, hi = r['iqr'][1]
        assert 0 < lo <= r['ms'][1] <= hi
    assert res['binary_convs_on_u1_int8'] == res['binary_convs'] == 16
    # bf16 rows: the fp32 IRs with the bf16 hint; what the runtime used is
    # recorded (bf16 compute nodes where the CPU has native bf16)
    assert res['binary_convs_on_u1_bf16'] == 16
    for role in ('ov_fp_bf16', 'ov_bin_bf16'):
        row = rows[labels[role]]
        assert row['precision'] == 'bf16'
        assert row['path'] == rows[labels[role[:-5]]]['path']
        used = row['runtime_precision']
        if used['cpu_bf16']:
            assert used['hint'] == 'bf16' and used['nodes'].get('bf16', 0) > 0
    fp32 = rows[labels['ov_fp']]['runtime_precision']
    assert fp32['hint'] == 'f32' and 'bf16' not in fp32['nodes']
    assert len(res['binary_layer_status']) == 16
    # int8 weights take a quarter of the fp32 bytes (plus the scales)
    assert rows[labels['ov_fp_int8']]['size'] < 0.5 * rows[labels['ov_fp']][
        'size']
    assert rows[labels['ort_fp_int8']]['size'] < 0.5 * rows[
        labels['ort_fp']]['size']
    for sub in ('fp_int8/model.xml', 'binary_int8/model.xml',
                'onnx/fp.onnx', 'onnx/fp_int8.onnx'):
        assert (tmp_path / 'cls' / sub).is_file(), sub
