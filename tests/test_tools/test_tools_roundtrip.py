# Copyright (c) mmbin contributors. All rights reserved.
"""Train -> checkpoint -> --resume -> test through the command-line tools,
MMSegmentation's own train.py on an mmbin config, and a 2-process CPU run
through dist_train.sh."""
import glob
import os
import os.path as osp
import re

import pytest
from _helpers.tool_runs import logged_metrics, run_checked

CONFIG = 'configs/demo/fcn_r18_synthetic_nyud_seg.py'


def _overrides(data_root, iters):
    return [
        '--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2', f'train_cfg.max_iters={iters}',
        f'train_cfg.val_interval={iters}',
        f'default_hooks.checkpoint.interval={iters}',
        'default_hooks.logger.interval=1'
    ]


@pytest.fixture(scope='module')
def trained(tiny_nyud, tmp_path_factory, repo_root, python_exe):
    work_dir = str(tmp_path_factory.mktemp('train'))
    out = run_checked(
        [python_exe, 'tools/train.py', CONFIG, '--work-dir', work_dir] +
        _overrides(tiny_nyud, 2), repo_root)
    return work_dir, out


def test_train_writes_checkpoint_and_validates(trained):
    work_dir, out = trained
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_2.pth')
    assert re.search(r'Iter\(train\) \[2/2\]', out)
    assert re.search(r'mIoU: \d+\.\d+', out), out[-2000:]


def test_resume_continues_from_latest(trained, tiny_nyud, repo_root,
                                      python_exe):
    work_dir, _ = trained
    out = run_checked([
        python_exe, 'tools/train.py', CONFIG, '--work-dir', work_dir,
        '--resume'
    ] + _overrides(tiny_nyud, 4), repo_root)
    assert 'resumed epoch: 0, iter: 2' in out, out[-3000:]
    assert re.search(r'Iter\(train\) \[3/4\]', out)
    assert not re.search(r'Iter\(train\) \[1/4\]', out)
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))


def test_test_tool_evaluates_checkpoint(trained, tiny_nyud, tmp_path,
                                        repo_root, python_exe):
    work_dir, _ = trained
    test_dir = str(tmp_path / 'test')
    show_dir = 'show'
    out = run_checked([
        python_exe, 'tools/test.py', CONFIG,
        osp.join(work_dir, 'iter_2.pth'), '--work-dir', test_dir,
        '--show-dir', show_dir, '--cfg-options',
        f'test_dataloader.dataset.data_root={tiny_nyud}'
    ], repo_root)
    assert 'Load checkpoint from' in out
    metrics = logged_metrics(test_dir)
    assert 0.0 <= metrics['mIoU'] <= 100.0
    assert 0.0 <= metrics['aAcc'] <= 100.0
    pngs = glob.glob(osp.join(test_dir, show_dir, '**', '*.png'),
                     recursive=True)
    assert len(pngs) == 4  # one painted picture per val sample


def test_mmseg_own_train_tool_runs_mmbin_config(tiny_nyud, tmp_path,
                                                repo_root, python_exe):
    import mmseg
    mmseg_train = osp.join(
        osp.dirname(mmseg.__file__), '.mim', 'tools', 'train.py')
    assert osp.isfile(mmseg_train)
    work_dir = str(tmp_path / 'mmseg_tool')
    # mmseg's tool does not import mmbin: custom_imports in the config does.
    # torch>=2.6 would fail to load_from an mmengine checkpoint without
    # mmbin's loader; here we only train.
    out = run_checked(
        [python_exe, mmseg_train, CONFIG, '--work-dir', work_dir] +
        _overrides(tiny_nyud, 1), repo_root)
    assert osp.isfile(osp.join(work_dir, 'iter_1.pth'))
    assert re.search(r'mIoU: \d+\.\d+', out)


def test_dist_train_two_cpu_processes(tiny_nyud, tmp_path, repo_root,
                                      python_exe):
    work_dir = str(tmp_path / 'dist')
    env = dict(os.environ, PYTHON=python_exe, PORT='29613',
               OMP_NUM_THREADS='1')
    out = run_checked(
        ['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir] +
        _overrides(tiny_nyud, 2), repo_root, env=env)
    assert 'Distributed training: True' in out, out[-3000:]
    assert "dist_cfg: {'backend': 'gloo'}" in out
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))


def test_mmseg_own_test_tool_loads_checkpoint(trained, tiny_nyud, tmp_path,
                                              repo_root, python_exe):
    # custom_imports=['mmbin'] in the config installs the safe loader, so
    # MMSegmentation's test.py reads an MMEngine checkpoint under torch>=2.6.
    import mmseg
    mmseg_test = osp.join(
        osp.dirname(mmseg.__file__), '.mim', 'tools', 'test.py')
    work_dir, _ = trained
    test_dir = str(tmp_path / 'mmseg_test')
    out = run_checked([
        python_exe, mmseg_test, CONFIG,
        osp.join(work_dir, 'iter_2.pth'), '--work-dir', test_dir,
        '--cfg-options', f'test_dataloader.dataset.data_root={tiny_nyud}'
    ], repo_root)
    assert 'Load checkpoint from' in out
    assert 0.0 <= logged_metrics(test_dir)['mIoU'] <= 100.0
