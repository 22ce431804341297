# Copyright (c) mmbin contributors. All rights reserved.
"""Tiny train -> test runs of the BiDense segmentation, depth and
multi-task configs on generated data, through tools/train.py and
tools/test.py; and a build check of every BiDense config."""
import glob
import os
import os.path as osp
import re
import subprocess

import pytest
from mmengine.config import Config

CONFIGS = {
    'seg': ('configs/bidense/synthetic_seg_bidense.py', r'mIoU: \d+\.\d+'),
    'depth': ('configs/bidense/synthetic_depth_bidense-deploy.py',
              r'rmse: \d+\.\d+'),
    'mt': ('configs/bidense/synthetic_mt_bidense.py',
           r'(seg\.)?mIoU: \d+\.\d+'),
}


def _run(cmd, cwd):
    # one thread: on a small shared CPU, thread oversubscription costs more
    # than it gains for these tiny models
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-4000:]}'
    return out


def _options(data_root, iters, extra=()):
    opts = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
        f'train_cfg.max_iters={iters}', 'train_cfg.val_interval=1000',
        f'default_hooks.checkpoint.interval={iters}',
        'default_hooks.logger.interval=1'
    ]
    return opts + list(extra)


@pytest.mark.parametrize('task', sorted(CONFIGS))
def test_train_then_test(task, tiny_nyud, tmp_path, repo_root, python_exe):
    config, metric = CONFIGS[task]
    work_dir = str(tmp_path / 'work')
    extra = []
    if task == 'mt':  # skip the slow boundary matching of the tiny run
        extra = ['val_evaluator.tasks=[seg,depth,normal]',
                 'test_evaluator.tasks=[seg,depth,normal]']
    out = _run([python_exe, 'tools/train.py', config, '--work-dir', work_dir,
                '--cfg-options'] + _options(tiny_nyud, 2, extra), repo_root)
    assert re.search(r'Iter\(train\) \[2/2\]', out), out[-3000:]
    losses = re.findall(r'loss: (\S+)', out)
    assert losses and all(v != 'nan' for v in losses), losses
    ckpt = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(ckpt)
    out = _run([python_exe, 'tools/test.py', config, ckpt, '--work-dir',
                str(tmp_path / 'test'), '--cfg-options'] +
               _options(tiny_nyud, 2, extra), repo_root)
    assert re.search(metric, out), out[-3000:]


@pytest.mark.parametrize(
    'path',
    sorted(
        p for p in glob.glob(
            osp.join(osp.dirname(__file__), '..', '..', 'configs',
                     'bidense', '*.py'))
        # the DPT / binary ViT configs: tests/test_bidense/test_bidense_dpt.py
        if 'dpt' not in osp.basename(p)),
    ids=osp.basename)
def test_every_config_builds(path):
    """Every ConvNeXt / UPerNet BiDense config builds, with the binary
    convolution, scale mode and padding its name promises."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmbin  # noqa: F401
    init_default_scope('mmseg')
    cfg = Config.fromfile(path)
    model_cfg = cfg.model
    if 'synthetic' not in path:  # full-size models: shrink the backbone
        model_cfg.backbone.arch = dict(depths=[1, 1, 1, 1],
                                       channels=[8, 16, 32, 64])
        if 'decoder' in model_cfg:
            model_cfg.decoder.in_channels = [8, 16, 32, 64]
        else:
            model_cfg.decode_head.in_channels = [8, 16, 32, 64]
            model_cfg.decode_head.channels = 8  # = in_channels[0]
            model_cfg.decode_head.psp_channels = 64
    model = MODELS.build(model_cfg)
    name = osp.basename(path)
    convs = [type(m).__name__ for m in model.backbone.stages.modules()]
    if 'bidense' in name:
        assert 'BiDenseConv' in convs
        modes = {
            m.scale_mode
            for m in model.modules() if type(m).__name__ == 'BiDenseConv'
        }
        assert modes == ({'output'} if 'deploy' in name else {'input'})
        if 'mt_' not in name:
            # zero padding of alpha * sign (the reference), in the
            # deployable form too (exact on OpenVINO, test_deploy_grouped)
            pads = {
                m.pad_value
                for m in model.modules()
                if type(m).__name__ == 'BiDenseConv'
            }
            assert pads == {0.0}
    else:
        assert 'BiDenseConv' not in convs and 'CFBConv2d' in convs
    # no double normalisation: a ConvModule around a conv with its own BN
    # has no norm of its own
    for m in model.modules():
        conv = getattr(m, 'conv', None)
        if getattr(conv, 'bn', None) is not None:
            assert getattr(m, 'norm_name', None) is None, (name, m)
