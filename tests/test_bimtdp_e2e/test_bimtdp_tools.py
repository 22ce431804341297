# Copyright (c) mmbin contributors. All rights reserved.
"""End to end through tools/train.py and tools/test.py on tiny data: the FP
multi-task teacher, Bi-MTDP distilled from it (with --resume while the
distillation hook is active), prediction pictures, and the PASCAL twins."""
import glob
import os.path as osp
import re

import pytest
import torch
from _helpers.tool_runs import logged_metrics, run_checked

FP = 'configs/mtdp/synthetic_r18_fp.py'
BI = 'configs/bimtdp/synthetic_r18.py'
FP_PASCAL = 'configs/mtdp/pascal_r18_fp.py'
BI_PASCAL = 'configs/bimtdp/pascal_r18.py'


def _data(root, train_scale='(64,48)', crop='(48,64)', test_scale='(64,48)'):
    """Overrides: tiny data root, 48x64 pipelines, no workers."""
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [
            f'{split}_dataloader.dataset.data_root={root}',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    opts += [
        f'train_dataloader.dataset.pipeline.2.scale={train_scale}',
        f'train_dataloader.dataset.pipeline.3.crop_size={crop}',
        f'val_dataloader.dataset.pipeline.1.scale={test_scale}',
        f'test_dataloader.dataset.pipeline.1.scale={test_scale}',
        'train_dataloader.batch_size=2', 'default_hooks.logger.interval=1',
        'val_evaluator.edge_thresholds=3', 'test_evaluator.edge_thresholds=3'
    ]
    return opts


def _iters(n, validate=False):
    opts = [
        f'train_cfg.max_iters={n}', f'train_cfg.val_interval={n}',
        f'default_hooks.checkpoint.interval={n}',
        f'param_scheduler.0.end={n}'
    ]
    if not validate:
        opts.append('train_cfg.val_begin=1000000')
    return opts


def _run(args, cwd, python):
    return run_checked([python] + args, cwd)


def _train(cfg, work_dir, opts, repo_root, python, extra=()):
    return _run(['tools/train.py', cfg, '--work-dir', work_dir] +
                list(extra) + ['--cfg-options'] + opts, repo_root, python)


@pytest.fixture(scope='module')
def fp_run(tiny_nyud, tmp_path_factory, repo_root, python_exe):
    work_dir = str(tmp_path_factory.mktemp('fp'))
    out = _train(FP, work_dir, _data(tiny_nyud) + _iters(2), repo_root,
                 python_exe)
    return work_dir, out


@pytest.fixture(scope='module')
def bi_run(fp_run, tiny_nyud, tmp_path_factory, repo_root, python_exe):
    teacher_dir, _ = fp_run
    work_dir = str(tmp_path_factory.mktemp('bi'))
    hook = [
        f'custom_hooks.0.teacher_checkpoint={teacher_dir}',
        'custom_hooks.0.warmup_iters=2'
    ]
    out = _train(BI, work_dir, _data(tiny_nyud) + _iters(2) + hook,
                 repo_root, python_exe)
    return work_dir, out, hook


def test_fp_teacher_train_and_test(fp_run, tiny_nyud, tmp_path, repo_root,
                                   python_exe):
    work_dir, out = fp_run
    assert re.search(r'Iter\(train\) \[2/2\]', out)
    assert 'normal.loss_normal' in out and 'edge.loss_edge' in out
    assert 'loss_kd' not in out
    test_dir = str(tmp_path / 'test')
    out = _run([
        'tools/test.py', FP,
        osp.join(work_dir, 'iter_2.pth'), '--work-dir', test_dir,
        '--cfg-options'
    ] + _data(tiny_nyud), repo_root, python_exe)
    metrics = logged_metrics(test_dir)
    for key in ('seg/mIoU', 'depth/rmse', 'normal/mean', 'edge/odsF'):
        assert key in metrics, (key, metrics)
    assert metrics['depth/rmse'] > 0 and 0 <= metrics['normal/mean'] <= 180


def test_bimtdp_distills_from_the_teacher(bi_run):
    work_dir, out, _ = bi_run
    assert 'BiMTDPDistillHook: teacher MultiTaskEncoderDecoder' in out
    line = [ln for ln in out.splitlines() if 'Iter(train) [2/2]' in ln][0]
    for key in ('loss_ib', 'loss_kd_neck', 'loss_kd_decoder'):
        value = re.search(key + r': (\S+)', line)
        assert value, (key, line)
        assert float(value.group(1)) == float(value.group(1))  # not NaN
    # feature distillation only by default (prediction terms: the
    # *_feat_pred_kd.py configs); the student starts from the teacher
    assert 'loss_kd_seg' not in line
    assert 'FPInitHook: student initialised from' in out
    ckpt = torch.load(
        osp.join(work_dir, 'iter_2.pth'), map_location='cpu',
        weights_only=False)
    keys = list(ckpt['state_dict'])
    assert not any('teacher' in k for k in keys)
    assert any(k.startswith('neck.branches') for k in keys)
    assert any('conv_seg' in k for k in keys)


def test_bimtdp_resume_with_hook_and_test_with_pictures(
        bi_run, tiny_nyud, tmp_path, repo_root, python_exe):
    work_dir, _, hook = bi_run
    out = _train(BI, work_dir, _data(tiny_nyud) + _iters(3) + hook,
                 repo_root, python_exe, extra=['--resume'])
    assert 'resumed epoch: 0, iter: 2' in out, out[-3000:]
    assert 'BiMTDPDistillHook: teacher' in out
    assert not re.search(r'Iter\(train\) \[1/3\]', out)
    line = [ln for ln in out.splitlines() if 'Iter(train) [3/3]' in ln][0]
    assert 'loss_kd_neck' in line
    # the resumed run keeps its own weights: no FP initialisation
    assert 'FPInitHook: the runner loaded a checkpoint' in out
    test_dir = str(tmp_path / 'test')
    out = _run([
        'tools/test.py', BI,
        osp.join(work_dir, 'iter_3.pth'), '--work-dir', test_dir,
        '--show-dir', 'vis', '--cfg-options'
    ] + _data(tiny_nyud), repo_root, python_exe)
    metrics = logged_metrics(test_dir)
    assert 'seg/mIoU' in metrics and 'edge/odsF' in metrics
    # testing needs no teacher checkpoint and attaches none
    assert 'BiMTDPDistillHook: teacher' not in out
    pictures = glob.glob(osp.join(test_dir, 'vis', '**', '*.png'),
                         recursive=True)
    assert len(pictures) == 4, pictures  # one per val scene
    import cv2
    img = cv2.imread(pictures[0])
    # two rows (GT, prediction) of image + 4 task panels, at least 48x64
    assert img.shape[0] > 2 * 48 and img.shape[1] > 5 * 64


def test_pascal_twins_train_and_test(tiny_pascal, tmp_path, repo_root,
                                     python_exe):
    opts = _data(tiny_pascal) + ['model.pretrained=None']
    teacher_dir = str(tmp_path / 'fp')
    _train(FP_PASCAL, teacher_dir, opts + _iters(1), repo_root, python_exe)
    work_dir = str(tmp_path / 'bi')
    out = _train(BI_PASCAL, work_dir, opts + _iters(1) + [
        f'custom_hooks.0.teacher_checkpoint={teacher_dir}'
    ], repo_root, python_exe)
    line = [ln for ln in out.splitlines() if 'Iter(train) [1/1]' in ln][0]
    for key in ('parts.loss_ce', 'saliency.loss_saliency', 'loss_kd_neck',
                'loss_kd_decoder'):
        assert key in line, (key, line)
    test_dir = str(tmp_path / 'test')
    _run([
        'tools/test.py', BI_PASCAL,
        osp.join(work_dir, 'iter_1.pth'), '--work-dir', test_dir,
        '--cfg-options'
    ] + opts, repo_root, python_exe)
    metrics = logged_metrics(test_dir)
    for key in ('seg/mIoU', 'parts/mIoU', 'saliency/maxF', 'normal/mean',
                'edge/odsF'):
        assert key in metrics, (key, metrics)
