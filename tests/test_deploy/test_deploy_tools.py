# Copyright (c) mmbin contributors. All rights reserved.
"""tools/deploy/export_openvino.py and test_openvino.py end to end on a
tiny multi-task config and the synthetic NYUD set."""
import os.path as osp
import re
import subprocess

import pytest
import torch

pytest.importorskip('openvino')

from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402

from .test_deploy_models import randomize, tiny_multitask_cfg  # noqa: E402

CONFIG = """
_base_ = [
    '{root}/configs/_base_/datasets/synthetic_nyud.py',
    '{root}/configs/_base_/default_runtime.py'
]
model = {model}
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root='{data}'))
test_evaluator = dict(
    type='MultiTaskMetric',
    tasks=('seg', 'depth', 'normal', 'edge'),
    edge_thresholds=3)
test_cfg = dict(type='TestLoop')
train_dataloader = None
val_dataloader = None
val_evaluator = None
"""


def _run(cmd, cwd, ok=True):
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    if ok:
        assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-4000:]}'
    return proc.returncode, out


def _config_and_checkpoint(tmp, root, data, **overrides):
    cfg = tiny_multitask_cfg()
    for key, value in overrides.items():
        cfg['backbone'][key] = value
    path = osp.join(tmp, 'tiny_mt.py')
    with open(path, 'w') as f:
        f.write(CONFIG.format(root=root, data=data, model=repr(cfg)))
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    randomize(model)
    ckpt = osp.join(tmp, 'tiny_mt.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    return path, ckpt


@pytest.fixture(scope='module')
def exported(tmp_path_factory, repo_root, python_exe, tiny_nyud):
    tmp = str(tmp_path_factory.mktemp('deploy_tool'))
    config, ckpt = _config_and_checkpoint(tmp, repo_root, tiny_nyud)
    out_dir = osp.join(tmp, 'ir')
    _, out = _run([
        python_exe, 'tools/deploy/export_openvino.py', config, ckpt,
        '--shape', '48', '64', '--out', out_dir, '--threads', '1'
    ], repo_root)
    return config, ckpt, out_dir, out


def test_export_tool_reports_binary_kernels(exported):
    _, _, out_dir, out = exported
    assert osp.isfile(osp.join(out_dir, 'model.xml'))
    assert osp.isfile(osp.join(out_dir, 'model.bin'))
    assert 'binary convs in the model: 26 (+1 unused at inference' in out
    assert re.search(
        r'on the u1 kernel in the compiled runtime graph: 26/26 '
        r'\(BinaryConvolution implementations: jit_\w+_u1 x26\)', out), out
    agree = re.search(r'seg: .* argmax agreement ([\d.]+)%', out)
    assert agree and float(agree.group(1)) >= 99.9, out[-2000:]
    depth = re.search(r'depth: max \|ov - torch\| / max \|torch\| = (\S+)',
                      out)
    assert depth and float(depth.group(1)) <= 1e-4


def test_test_tool_matches_pytorch_metrics(exported, tmp_path, repo_root,
                                           python_exe):
    config, ckpt, out_dir, _ = exported
    _, out = _run([
        python_exe, 'tools/deploy/test_openvino.py', config, out_dir,
        '--checkpoint', ckpt, '--work-dir',
        str(tmp_path), '--threads', '1'
    ], repo_root)
    rows = dict(
        (m.group(1), (float(m.group(2)), float(m.group(3))))
        for m in re.finditer(r'^(\S+/\S+)\s+([\d.]+)\s+([\d.]+)$', out,
                             re.M))
    for key in ('seg/mIoU', 'depth/rmse', 'normal/mean', 'edge/odsF'):
        assert key in rows, out[-3000:]
    for key, (pt, ov) in rows.items():
        assert abs(pt - ov) <= 1e-3 * max(1.0, abs(pt)), (key, pt, ov)


def test_export_tool_fails_naming_unpackable_layers(tmp_path, repo_root,
                                                    python_exe, tiny_nyud):
    config, ckpt = _config_and_checkpoint(
        str(tmp_path), repo_root, tiny_nyud,
        conv_cfg=dict(type='BiDenseConv'))
    code, out = _run([
        python_exe, 'tools/deploy/export_openvino.py', config, ckpt,
        '--shape', '64', '64', '--out',
        str(tmp_path / 'ir')
    ], repo_root, ok=False)
    assert code == 1
    assert 'backbone.layer1.0.conv1 (BiDenseConv)' in out
    assert "scale_mode='output'" in out
    assert not osp.exists(str(tmp_path / 'ir' / 'model.xml'))


def test_evaluation_at_batch_2_matches_batch_1(exported, tmp_path):
    """test_openvino.py --batch-size 2: the batch-1 IR serves batches of 2
    (reshaped, checked against image-by-image runs) with the metrics of
    the PyTorch checkpoint."""
    from mmbin.deploy import evaluate_openvino
    config, ckpt, out_dir, _ = exported
    ov_metrics, pt_metrics = evaluate_openvino(
        config,
        out_dir,
        num_threads=1,
        checkpoint=ckpt,
        work_dir=str(tmp_path),
        cfg_options={'test_dataloader.batch_size': 2})
    for key in ('seg/mIoU', 'depth/rmse', 'normal/mean', 'edge/odsF'):
        pt, ov = pt_metrics[key], ov_metrics[key]
        assert abs(pt - ov) <= 1e-3 * max(1.0, abs(pt)), (key, pt, ov)
