# Copyright (c) mmbin contributors. All rights reserved.
"""The three training steps, the video mode and the reports (package
functions and command line), from the configs in configs/sharing, on tiny
generated data (one iteration each)."""
import json
import os
import os.path as osp
import subprocess

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmbin.analysis.sharing_report import (compare_video_reports,
                                           sharing_image_report,
                                           sharing_video_report)
from mmbin.datasets import generate_synthetic_video

ONE_ITER = {
    'train_cfg.max_iters': 1,
    'train_cfg.val_interval': 1,
    'default_hooks.checkpoint.interval': 1,
    'default_hooks.logger.interval': 1,
    'param_scheduler.0.end': 1,
    'train_dataloader.batch_size': 2,
}


def _without_ms(text):
    """``text`` with the measured-time cells of the image table (columns
    8-10) blanked: they differ from run to run."""
    lines = []
    for line in text.splitlines():
        cells = line.split('|')
        if len(cells) > 12 and not set(cells[8].strip()) <= set('-'):
            cells[8:11] = ['t'] * 3
        lines.append('|'.join(cells))
    return '\n'.join(lines)


def _train(repo_root, name, **extra):
    cfg = Config.fromfile(osp.join(repo_root, 'configs', 'sharing',
                                   name + '.py'))
    cfg.merge_from_dict(dict(ONE_ITER, **extra))
    cfg.work_dir = osp.join('work_dirs', name)
    cfg.launcher = 'none'
    Runner.from_cfg(cfg).train()
    return osp.join('work_dirs', name, 'iter_1.pth')


@pytest.fixture(scope='module')
def stand_in(tiny_nyud, tmp_path_factory):
    """A working directory whose data/ holds the tiny stand-ins under the
    names the configs use."""
    root = tmp_path_factory.mktemp('sharing_run')
    os.makedirs(root / 'data')
    os.symlink(tiny_nyud, root / 'data' / 'synthetic_nyud_small')
    generate_synthetic_video(str(root / 'data' / 'synthetic_video'),
                             num_train=0, num_val=2, num_frames=3,
                             size=(48, 64))
    return root


@pytest.fixture(scope='module')
def steps(stand_in, repo_root):
    old = os.getcwd()
    os.chdir(stand_in)
    try:
        with pytest.raises(FileNotFoundError,
                           match='configs/sharing/synthetic_r18_step1_seg'):
            _train(repo_root, 'synthetic_r18_step2')
        for task in ('seg', 'depth', 'normal', 'edge'):
            _train(repo_root, f'synthetic_r18_step1_{task}')
        ckpts = {
            name: _train(repo_root, name)
            for name in ('synthetic_r18_step2', 'synthetic_r18_step2_fixmask',
                         'synthetic_r18_step3')
        }
        yield stand_in, ckpts
    finally:
        os.chdir(old)


def test_three_steps_from_configs(steps):
    root, ckpts = steps
    states = {
        k: torch.load(osp.join(root, v), map_location='cpu',
                      weights_only=False)['state_dict']
        for k, v in ckpts.items()
    }
    key = 'backbone.layer1.0.conv1.deltas.depth.weight.'
    assert not states['synthetic_r18_step2'][key + 'fixed']
    assert states['synthetic_r18_step2_fixmask'][key + 'fixed']
    # the base task stays the step-1 segmentation model in every step
    seg = torch.load(
        osp.join(root, 'work_dirs', 'synthetic_r18_step1_seg', 'iter_1.pth'),
        map_location='cpu', weights_only=False)['state_dict']
    for state in states.values():
        assert torch.equal(state['backbone.layer1.0.conv1.weight'],
                           seg['backbone.layer1.0.conv1.weight'])
        assert torch.equal(state['decode_heads.seg.conv_seg.weight'],
                           seg['decode_heads.seg.conv_seg.weight'])
    # step 3 keeps the frozen pattern of step 2's second stage
    mask = states['synthetic_r18_step2_fixmask'][key + 'mask']
    assert torch.equal(states['synthetic_r18_step3'][key + 'mask'], mask)
    assert mask.float().mean() <= 0.1 + 1e-6 or \
        states['synthetic_r18_step3'][key + 'delta'][~mask].abs().sum() == 0


def test_video_mode_and_reports(steps, repo_root, python_exe):
    root, ckpts = steps
    step3 = osp.join(root, ckpts['synthetic_r18_step3'])
    proc = subprocess.run([
        python_exe,
        osp.join(repo_root, 'tools', 'test.py'),
        osp.join(repo_root, 'configs', 'sharing', 'synthetic_r18_video.py'),
        step3, '--work-dir', 'work_dirs/video_test'
    ], cwd=root, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert 'seg/mIoU' in out and 'edge/odsF' in out

    step3_cfg = osp.join(repo_root, 'configs', 'sharing',
                         'synthetic_r18_step3.py')
    old = os.getcwd()
    os.chdir(root)
    try:
        img = sharing_image_report(step3_cfg, step3, max_samples=2)
        vid = sharing_video_report(
            osp.join(repo_root, 'configs', 'sharing',
                     'synthetic_r18_video.py'), step3, max_frames=3)
    finally:
        os.chdir(old)
    rows = {r['task']: r for r in img['rows']}
    assert set(rows) == {'seg', 'depth', 'normal', 'edge'}
    # the baselines were found through the config chain (step 3 -> step 1)
    assert all(r['independent'] is not None for r in rows.values())
    assert rows['seg']['sharing'] == pytest.approx(rows['seg']['independent'])
    for task in ('depth', 'normal', 'edge'):
        r = rows[task]
        assert r['weights_shared_pct'] >= 89.9
        assert 0 <= r['zero_act_delta_pct'] <= 100
        assert r['sharing_gmacs'] <= r['independent_gmacs'] + 1e-9
    assert img['total']['sharing_gmacs'] < img['total']['independent_gmacs']
    assert '| total |' in img['markdown']
    frames = vid['rows']
    assert [f['frame'] for f in frames] == [0, 1, 2]
    assert frames[0]['keyframe_fraction'] == 1
    assert frames[1]['keyframe_fraction'] == 0
    assert frames[0]['gmacs_video'] == pytest.approx(frames[0]['gmacs_image'])
    assert frames[1]['gmacs_video'] < frames[1]['gmacs_image']

    for row in frames:
        assert row['seg']['metric'] == 'seg/mIoU'
        assert row['depth']['drift'] == pytest.approx(
            row['depth']['video'] - row['depth']['image'])
    assert frames[0]['seg']['drift'] == 0  # the keyframe is image mode
    assert '| frame | keyframe |' in vid['markdown']
    assert 'keyframe_interval' in vid['markdown']
    # measured CPU ms beside the counted MACs (values not asserted)
    for r in rows.values():
        assert r['independent_ms'] > 0 and r['sharing_ms'] > 0
        assert r['sharing_skip_ms'] > 0
    for key in ('ms_video_skip', 'ms_video', 'ms_image', 'ms_independent'):
        assert all(f[key] > 0 for f in frames)
        assert vid['mean_ms'][key] > 0
    same = compare_video_reports(vid, vid)
    assert same['rows'][0]['gmacs_video'] == same['rows'][1]['gmacs_video']
    assert '| before |' in same['markdown']

    # the command line prints and writes what the package function returns
    out_json = osp.join(root, 'report', 'image.json')
    out_md = osp.join(root, 'report', 'image.md')
    proc = subprocess.run([
        python_exe,
        osp.join(repo_root, 'tools', 'analysis', 'sharing_report.py'),
        'image', step3_cfg, ckpts['synthetic_r18_step3'], '--max-samples',
        '2', '--json', out_json, '--markdown', out_md
    ], cwd=root, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    # the same table up to the measured times
    assert _without_ms(img['markdown']) in _without_ms(proc.stdout)
    assert f'{step3_cfg} (2 images)' in proc.stdout
    with open(out_md) as f:
        written_md = f.read()
    assert written_md.endswith('\n') and written_md[:-1] in proc.stdout
    with open(out_json) as f:
        written = json.load(f)
    assert written['delta_m'] == pytest.approx(img['delta_m'])
    assert [r['task'] for r in written['rows']] == list(rows)
