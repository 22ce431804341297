# Copyright (c) mmbin contributors. All rights reserved.
"""FP initialisation of a binary student (load_fp_weights, FPInitHook): what
is loaded, kept and new, the errors on another layout, and the hook's place
in a real MMEngine run (after init_weights; not over --resume/load_from)."""
import glob
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import Runner, save_checkpoint
from mmseg.registry import MODELS
from torch.utils.data import Dataset

from mmbin.engine.hooks import (BiMTDPDistillHook, BinaryHealthHook,
                                FPInitHook, TwoStageBinarizationHook)
from mmbin.models.init import FPInitError, binary_only_keys, load_fp_weights
from mmbin.ops import RPReLU, RSign

NECK = r'^neck\.'
STEM = r'^backbone\.(stem|conv1|bn1)\.'


def _teacher_ckpt(cfgs, tmp_path, name='teacher.pth', **kwargs):
    torch.manual_seed(1)
    teacher = MODELS.build(cfgs.tiny_cfg(**kwargs))
    teacher.init_weights()
    path = str(tmp_path / name)
    # an MMEngine-style checkpoint: meta with numpy content (the types that
    # need mmbin's safe loader under torch >= 2.6)
    save_checkpoint(
        dict(state_dict=teacher.state_dict(),
             meta=dict(seed=np.int64(3), hist=np.arange(3))), path)
    return teacher, path


def _student(cfgs, seed=2, **kwargs):
    torch.manual_seed(seed)
    student = MODELS.build(cfgs.tiny_cfg(binary=True, **kwargs))
    student.init_weights()
    return student


def _clone(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_loads_latent_weights_bns_and_heads_keeps_the_rest(cfgs, tmp_path):
    teacher, path = _teacher_ckpt(cfgs, tmp_path)
    student = _student(cfgs, distill=True)
    before = _clone(student)
    report = load_fp_weights(student, path, keep_init=[NECK])
    t_state, s_state = teacher.state_dict(), student.state_dict()

    # loaded: equal to the teacher, and they were not before
    assert len(report.loaded) > 100
    for key in report.loaded:
        assert torch.equal(s_state[key], t_state[key]), key
    conv = 'backbone.layer2.0.conv1.weight'  # a binary conv's latent weight
    assert conv in report.loaded
    assert not torch.equal(before[conv], t_state[conv])
    assert isinstance(student.backbone.layer2[0].conv1.act_binarizer, RSign)
    for key in ('backbone.stem.0.weight', 'backbone.layer1.0.bn1.running_var',
                'backbone.layer2.0.downsample.1.weight',
                'decoder.fpn_convs.0.conv.weight',
                'decode_heads.seg.conv_seg.weight'):
        assert key in report.loaded, key

    # new: exactly the binarizer / RPReLU tensors, untouched
    only_binary = binary_only_keys(student)
    assert set(report.new) == {k for k in only_binary
                               if not k.startswith('neck.')}
    assert report.new_by_type['RSign'] > 0
    assert report.new_by_type['RPReLU'] > 0
    assert set(report.new_by_type) == {'RSign', 'RPReLU'}
    assert isinstance(student.backbone.layer1[0].act1, RPReLU)
    for key in report.new + report.kept + report.outside:
        assert torch.equal(s_state[key], before[key]), key
    # kept: the neck, which the teacher does not have
    assert report.kept and all(k.startswith('neck.') for k in report.kept)
    assert report.ignored == []
    assert report.outside == [k for k in s_state
                              if k.startswith('distill_loss.')]
    # every tensor of the network is accounted for exactly once
    inside = [k for k in s_state if not k.startswith('distill_loss.')
              and not k.endswith('num_batches_tracked')]
    groups = report.loaded + report.kept + report.new
    assert sorted(k for k in groups
                  if not k.endswith('num_batches_tracked')) == sorted(inside)
    assert f'{len(report.loaded)} tensors loaded' in report.summary()


def test_mismatches_are_refused_before_anything_is_loaded(cfgs, tmp_path):
    _, path = _teacher_ckpt(cfgs, tmp_path, num_classes=7)
    student = _student(cfgs)
    before = _clone(student)
    with pytest.raises(FPInitError) as err:
        load_fp_weights(student, path)
    msg = str(err.value)
    # another class count: a shape mismatch with both shapes
    assert 'decode_heads.seg.conv_seg.weight: checkpoint [7, 8, 1, 1], ' \
        'student [5, 8, 1, 1]' in msg
    # the neck is not in the teacher and not in keep_init
    assert 'in the student, not in the checkpoint' in msg
    assert 'neck.' in msg and 'keep_init' in msg
    assert osp.basename(path) in msg
    after = student.state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items())


def test_another_stem_needs_keep_init_and_is_reported(cfgs, tmp_path):
    """A student with a single 7x7 stem vs the teacher's deep stem."""
    teacher, path = _teacher_ckpt(cfgs, tmp_path)
    cfg = cfgs.tiny_cfg(binary=True)
    cfg['backbone']['deep_stem'] = False
    student = MODELS.build(cfg)
    with pytest.raises(FPInitError) as err:
        load_fp_weights(student, path, keep_init=[NECK])
    msg = str(err.value)
    assert 'backbone.conv1.weight' in msg  # student only
    assert 'in the checkpoint, not in the student' in msg
    assert 'backbone.stem.0.weight' in msg  # teacher only

    before = _clone(student)
    report = load_fp_weights(student, path, keep_init=[NECK, STEM])
    assert 'backbone.conv1.weight' in report.kept
    assert 'backbone.stem.0.weight' in report.ignored
    assert torch.equal(student.backbone.conv1.weight,
                       before['backbone.conv1.weight'])
    assert torch.equal(student.backbone.layer1[0].conv1.weight,
                       teacher.backbone.layer1[0].conv1.weight)
    assert 'ignored in the checkpoint: backbone.stem.0.weight' in \
        report.describe()


def test_bad_arguments_and_a_work_directory(cfgs, tmp_path):
    teacher, path = _teacher_ckpt(cfgs, tmp_path)
    student = _student(cfgs)
    with pytest.raises(ValueError, match=r"keep_init: '\(' is not a regular"):
        load_fp_weights(student, path, keep_init=['('])
    with pytest.raises(FPInitError, match='would load nothing'):
        load_fp_weights(student, path, keep_init=['.'])
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_fp_weights(student, str(tmp_path / 'nope.pth'))
    with pytest.raises(FileNotFoundError, match='holds no checkpoint'):
        load_fp_weights(student, str(tmp_path))
    # a work directory: its last_checkpoint
    with open(tmp_path / 'last_checkpoint', 'w') as f:
        f.write(path)
    report = load_fp_weights(student, str(tmp_path), keep_init=[NECK])
    assert report.checkpoint == path
    assert torch.equal(student.decode_heads['edge'].conv_seg.weight,
                       teacher.decode_heads['edge'].conv_seg.weight)


def _runner(model, hooks, **attrs):
    runner = SimpleNamespace(
        model=model, hooks=hooks, iter=0, max_iters=10,
        cfg=Config(dict(custom_hooks=[dict(type='FPInitHook')])),
        logger=MMLogger.get_instance('test_fp_init'))
    runner.__dict__.update(attrs)
    return runner


def test_hook_takes_the_teacher_checkpoint_and_yields_to_load_from(
        cfgs, tmp_path):
    teacher, path = _teacher_ckpt(cfgs, tmp_path)
    distill = BiMTDPDistillHook(cfgs.tiny_cfg(), path)

    student = _student(cfgs)
    hook = FPInitHook(keep_init=NECK)
    hook.before_train(_runner(student, [distill, hook]))
    assert hook.report.checkpoint == path
    assert torch.equal(student.backbone.layer3[1].conv2.weight,
                       teacher.backbone.layer3[1].conv2.weight)

    # the runner loaded a checkpoint (--resume / load_from): no FP init
    student = _student(cfgs)
    before = _clone(student)
    hook = FPInitHook(checkpoint=path, keep_init=NECK)
    hook.before_train(_runner(student, [hook], _has_loaded=True))
    assert hook.report is None
    assert all(torch.equal(student.state_dict()[k], v)
               for k, v in before.items())

    # checkpoint=None without a distillation hook
    with pytest.raises(ValueError, match='custom_hooks.0.checkpoint'):
        FPInitHook().before_train(_runner(student, []))


class _Data(Dataset):
    """Four images with random ground truth of every NYUD task."""

    def __init__(self, make_samples):
        self.samples = make_samples(n=4)
        g = torch.Generator().manual_seed(0)
        self.images = torch.rand(4, 3, 32, 32, generator=g) * 255

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return dict(inputs=self.images[i], data_samples=self.samples[i])


class _Probe(Hook):
    """Records, before every iteration, whether the binary convs use real
    weights (runs after the hooks under test: priority LOWEST)."""
    priority = 'LOWEST'

    def __init__(self):
        self.real = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        conv = runner.model.backbone.layer1[0].conv1
        self.real.append(conv.weight_binarizer is None)


def _train(cfgs, work_dir, hooks, load_from=None, iters=4):
    torch.manual_seed(5)
    runner = Runner(
        model=cfgs.tiny_cfg(binary=True),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_Data(cfgs.make_samples),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            collate_fn=dict(type='pseudo_collate'),
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=iters),
        # lr 0: the weights after training are the initial ones
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.0)),
        custom_hooks=hooks,
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=dict(type='CheckpointHook',
                                           interval=iters, by_epoch=False)),
        load_from=load_from,
        default_scope='mmseg',
        experiment_name=osp.basename(str(work_dir)))
    runner.train()
    return runner


def test_real_run_fp_init_after_init_weights_then_two_stages(cfgs, tmp_path):
    """In a real run the FP weights survive the runner's weight
    initialisation, the two-stage hook switches at its iteration, and a
    load_from checkpoint takes precedence over the FP initialisation."""
    teacher, path = _teacher_ckpt(cfgs, tmp_path)
    probe = _Probe()
    health = BinaryHealthHook(interval=2)
    runner = _train(cfgs, tmp_path / 'fp', [
        dict(type='FPInitHook', checkpoint=path, keep_init=[NECK]),
        TwoStageBinarizationHook(switch_iter=2), probe, health])
    # the health hook saw every binary layer (it set up before stage 1)
    assert len(health._weights) == len(
        TwoStageBinarizationHook.binary_weight_layers(runner.model))
    student = runner.model
    for name in ('backbone.layer1.0.conv1.weight',
                 'decoder.fpn_convs.1.conv.weight',
                 'decode_heads.depth.conv_seg.weight'):
        assert torch.equal(student.state_dict()[name],
                           teacher.state_dict()[name]), name
    assert probe.real == [True, True, False, False]
    # binary again after training; the checkpoint has the same tensors
    assert student.backbone.layer1[0].conv1.weight_binarizer is not None
    log = open(glob.glob(str(tmp_path / 'fp' / '*' / '*.log'))[0]).read()
    assert 'FPInitHook: student initialised from' in log
    assert 'stage 2, weights binary from now on' in log

    # load_from: the runner's checkpoint wins over the FP initialisation
    own = MODELS.build(cfgs.tiny_cfg(binary=True))
    torch.nn.init.constant_(own.backbone.layer1[0].conv1.weight, 0.25)
    own_path = str(tmp_path / 'own.pth')
    save_checkpoint(dict(state_dict=own.state_dict()), own_path)
    runner = _train(cfgs, tmp_path / 'load_from', [
        dict(type='FPInitHook', checkpoint=path, keep_init=[NECK])],
        load_from=own_path, iters=1)
    assert torch.all(runner.model.backbone.layer1[0].conv1.weight == 0.25)
