# Copyright (c) mmbin contributors. All rights reserved.
"""BiMTDPDistillHook: teacher building and freezing, isolation from the
student's state_dict / optimizer / DDP, schedule, and clear errors."""
import socket

import pytest
import torch
import torch.distributed as dist
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import build_optim_wrapper
from mmengine.runner import save_checkpoint
from mmseg.registry import HOOKS, MODELS

from mmbin.engine.hooks import BiMTDPDistillHook


@pytest.fixture
def teacher_ckpt(cfgs, tmp_path):
    teacher = MODELS.build(cfgs.tiny_cfg())
    teacher.init_weights()
    path = str(tmp_path / 'teacher' / 'iter_1.pth')
    save_checkpoint(teacher.state_dict(), path)
    (tmp_path / 'teacher' / 'last_checkpoint').write_text(path)
    return teacher, path


def _student(cfgs):
    model = MODELS.build(cfgs.tiny_cfg(binary=True, distill=True))
    model.init_weights()
    return model


def test_schedule():
    hook = BiMTDPDistillHook(dict(), 'x.pth', warmup_iters=4, stop_iter=10)
    assert [hook.scale_at(i) for i in (0, 1, 3, 4, 9, 10, 50)] == \
        [0.25, 0.5, 1., 1., 1., 0., 0.]
    assert BiMTDPDistillHook(dict(), 'x.pth').scale_at(0) == 1.
    with pytest.raises(ValueError, match='warmup_iters'):
        BiMTDPDistillHook(dict(), 'x.pth', warmup_iters=-1)
    assert HOOKS.get('BiMTDPDistillHook') is BiMTDPDistillHook


def test_teacher_attached_frozen_and_isolated(cfgs, teacher_ckpt, tmp_path):
    teacher_ref, path = teacher_ckpt
    student = _student(cfgs)
    keys = set(student.state_dict())
    # the runner builds the optimizer before any before_train hook
    optim = build_optim_wrapper(
        student, dict(optimizer=dict(type='SGD', lr=0.01)))
    # a work directory works as teacher_checkpoint (latest checkpoint)
    hook = BiMTDPDistillHook(cfgs.tiny_cfg(), str(tmp_path / 'teacher'),
                             warmup_iters=2)
    runner = cfgs.fake_runner(student)
    hook.before_train(runner)
    teacher = student.teacher
    assert teacher is hook.teacher and teacher is not None
    assert not teacher.training
    assert all(not p.requires_grad for p in teacher.parameters())
    for k, v in teacher_ref.state_dict().items():
        assert torch.equal(teacher.state_dict()[k], v), k
    assert set(student.state_dict()) == keys
    teacher_ids = {id(p) for p in teacher.parameters()}
    optim_ids = {
        id(p)
        for g in optim.optimizer.param_groups for p in g['params']
    }
    assert not teacher_ids & optim_ids
    assert not teacher_ids & {id(p) for p in student.parameters()}

    # one iteration: warm-up scale, KD terms present, teacher unchanged
    hook.before_train_iter(runner, 0)
    assert student.kd_scale == 0.5
    student.train()
    x = torch.randn(2, 3, 32, 32)
    losses = student.loss(x, cfgs.make_samples())
    kd = [k for k in losses if k.startswith('loss_kd_')]
    assert len(kd) == 6 and all(torch.isfinite(losses[k]) for k in kd)
    optim.update_params(sum(v for k, v in losses.items() if 'loss' in k))
    for k, v in teacher_ref.state_dict().items():
        assert torch.equal(teacher.state_dict()[k], v), k
    hook.after_train(runner)
    assert student.teacher is None


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_teacher_outside_ddp(cfgs, teacher_ckpt):
    _, path = teacher_ckpt
    student = _student(cfgs)
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{_free_port()}', rank=0,
        world_size=1)
    try:
        ddp = MMDistributedDataParallel(module=student)
        optim = build_optim_wrapper(
            ddp, dict(optimizer=dict(type='SGD', lr=0.01)))
        hook = BiMTDPDistillHook(cfgs.tiny_cfg(), path)
        runner = cfgs.fake_runner(ddp)
        hook.before_train(runner)
        teacher = student.teacher
        ddp_ids = {id(p) for p in ddp.parameters()}
        assert not ddp_ids & {id(p) for p in teacher.parameters()}
        assert not any(k.startswith('module._teacher') or 'teacher' in k
                       for k in ddp.state_dict())
        hook.before_train_iter(runner, 0)
        data = dict(
            inputs=[torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8)
                    for _ in range(2)],
            data_samples=cfgs.make_samples())
        log_vars = ddp.train_step(data, optim_wrapper=optim)
        assert 'loss_kd_seg' in log_vars and 'loss' in log_vars
        assert torch.isfinite(torch.as_tensor(log_vars['loss']))
    finally:
        dist.destroy_process_group()


def test_missing_teacher_checkpoint_says_what_to_do(cfgs, tmp_path):
    cfg_file = tmp_path / 'teacher_cfg.py'
    cfg_file.write_text(f'model = {cfgs.tiny_cfg()!r}\n')
    hook = BiMTDPDistillHook(str(cfg_file), str(tmp_path / 'nope.pth'))
    runner = cfgs.fake_runner(
        _student(cfgs), dict(type='BiMTDPDistillHook'))
    with pytest.raises(FileNotFoundError) as err:
        hook.before_train(runner)
    msg = str(err.value)
    assert 'nope.pth' in msg and 'tools/train.py' in msg
    assert str(cfg_file) in msg
    assert 'custom_hooks.0.teacher_checkpoint' in msg
    empty = tmp_path / 'empty_dir'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match='without a checkpoint'):
        BiMTDPDistillHook(str(cfg_file), str(empty)).before_train(runner)
    with pytest.raises(FileNotFoundError, match='teacher_config'):
        BiMTDPDistillHook('configs/none.py', 'x').before_train(runner)
    # in a training run the check happens already before_run, before any
    # weights are initialised; a test-only run (no train loop) is not checked
    from mmengine.runner import BaseLoop

    class _Loop(BaseLoop):

        def run(self):
            pass

    runner._train_loop = dict(type='IterBasedTrainLoop')
    hook.before_run(runner)
    runner._train_loop = _Loop(runner, [])
    with pytest.raises(FileNotFoundError, match='tools/train.py'):
        hook.before_run(runner)


def test_mismatched_teacher_checkpoint_stops_training(cfgs, tmp_path):
    other = MODELS.build(cfgs.tiny_cfg(num_classes=7))
    path = str(tmp_path / 'other.pth')
    save_checkpoint(other.state_dict(), path)
    hook = BiMTDPDistillHook(cfgs.tiny_cfg(), path)
    with pytest.raises(RuntimeError, match='does not match'):
        hook.before_train(cfgs.fake_runner(_student(cfgs)))


def test_teacher_lacking_a_distilled_task_is_rejected(cfgs, tmp_path):
    cfg = cfgs.tiny_cfg(tasks=('seg', 'depth', 'normal'))
    teacher = MODELS.build(cfg)
    path = str(tmp_path / 't.pth')
    save_checkpoint(teacher.state_dict(), path)
    hook = BiMTDPDistillHook(cfg, path)
    with pytest.raises(RuntimeError, match='edge'):
        hook.before_train(cfgs.fake_runner(_student(cfgs)))


def test_input_normalisation_mismatch_and_student_without_kd(cfgs, tmp_path):
    cfg = cfgs.tiny_cfg(mean=(1., 2., 3.))
    path = str(tmp_path / 't.pth')
    save_checkpoint(MODELS.build(cfg).state_dict(), path)
    with pytest.raises(ValueError, match='mean'):
        BiMTDPDistillHook(cfg, path).before_train(
            cfgs.fake_runner(_student(cfgs)))
    plain = MODELS.build(cfgs.tiny_cfg(binary=True))
    with pytest.raises(RuntimeError, match='distill_loss'):
        BiMTDPDistillHook(cfg, path).before_train(cfgs.fake_runner(plain))
