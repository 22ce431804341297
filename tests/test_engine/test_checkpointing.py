# Copyright (c) mmbin contributors. All rights reserved.
"""Crash-safe checkpoints (AtomicCheckpointHook), the checkpoint --resume
picks, checks of loaded checkpoints (CheckpointLoadCheckHook, the
distillation teacher, tools/test.py), and the default hooks of every
config. The kill tests run tools/train.py in a subprocess and SIGKILL it in
the middle of a checkpoint write (see kill_helpers.py)."""
import functools
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmseg.registry import MODELS

import kill_helpers as kh
from mmbin.engine.hooks import (AtomicCheckpointHook, BiMTDPDistillHook,
                                CheckpointLoadCheckHook)
from mmbin.utils import (TRUST_ENV, CheckpointMismatchError,
                         DamagedCheckpointError, UnsafeCheckpointError,
                         safe_torch_load)
from toy_runner import NoisyToyModel, toy_runner

FP = 'configs/mtdp/synthetic_r18_fp.py'
REPO = kh.REPO


def _atomic(**kw):
    kw.setdefault('interval', 2)
    kw.setdefault('max_keep_ckpts', 2)
    return AtomicCheckpointHook(by_epoch=False, **kw)


def _log_text(work_dir):
    """Everything the runs of ``work_dir`` wrote to their log files."""
    text = ''
    for path in sorted(glob.glob(osp.join(str(work_dir), '*', '*.log'))):
        with open(path) as f:
            text += f.read()
    return text


def _names(work_dir):
    return sorted(os.listdir(work_dir))


def _last(work_dir):
    with open(osp.join(str(work_dir), 'last_checkpoint')) as f:
        return f.read().strip()


def _truncate(path):
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 3])


# -- defaults of every config ----------------------------------------------
def _config_files():
    files = []
    for path in sorted(glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                                 recursive=True)):
        if f'{osp.sep}_base_{osp.sep}' not in path:
            files.append(path)
    return files


def test_every_config_has_default_hooks(monkeypatch):
    """Every config writes crash-safe checkpoints, keeps at least two,
    stores RNG states, checks loaded checkpoints, guards against non-finite
    losses and logs rank-averaged losses."""
    from mmengine.config import utils as cfg_utils

    # every ``mmseg::`` base makes MMEngine parse mmseg's 50 metafiles
    # again (~1.4 s per config); read each file once
    monkeypatch.setattr(cfg_utils, 'load',
                        functools.lru_cache(maxsize=None)(cfg_utils.load))
    files = _config_files()
    assert len(files) > 50
    for path in files:
        hooks = Config.fromfile(path).default_hooks
        name = osp.relpath(path, REPO)
        assert hooks.checkpoint.type == 'AtomicCheckpointHook', name
        keep = hooks.checkpoint.get('max_keep_ckpts', -1)
        assert keep == -1 or keep >= 2, name
        assert hooks.rng_state.type == 'RNGStateHook', name
        assert hooks.checkpoint_load_check.type == \
            'CheckpointLoadCheckHook', name
        # docs/bad_inputs.md: the non-finite guard and rank-averaged losses
        assert hooks.nonfinite_guard.type == 'NonFiniteGuardHook', name
        assert hooks.rank_averaged_loss.type == 'RankAveragedLossHook', name


# -- atomic saving --------------------------------------------------------
def test_saves_are_complete_and_old_ones_go_after(tmp_path):
    runner = toy_runner(tmp_path, checkpoint_hook=_atomic())
    runner.train()
    assert [n for n in _names(tmp_path) if n.endswith('.pth')] == \
        ['iter_4.pth', 'iter_6.pth']
    assert not glob.glob(str(tmp_path / '*.tmp*'))
    assert _last(tmp_path) == str(tmp_path / 'iter_6.pth')
    ckpt = safe_torch_load(str(tmp_path / 'iter_6.pth'))
    assert ckpt['message_hub']['runtime_info']['keep_ckpt_ids'] == [4, 6]


def _failing_put(fail_prefix):
    """LocalBackend.put that writes half of one file, then fails (a crash
    in the middle of the write, in-process)."""
    original = LocalBackend.put

    def put(self, obj, filepath):
        if osp.basename(str(filepath)).startswith(fail_prefix):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
            raise KeyboardInterrupt('simulated crash during the write')
        return original(self, obj, filepath)

    return put


def test_interrupted_write_keeps_previous_and_resume_continues(
        tmp_path, monkeypatch):
    monkeypatch.setattr(LocalBackend, 'put', _failing_put('iter_4.pth'))
    with pytest.raises(KeyboardInterrupt):
        toy_runner(tmp_path, checkpoint_hook=_atomic()).train()
    assert 'iter_4.pth' not in _names(tmp_path)
    assert 'iter_4.pth.tmp' in _names(tmp_path)
    assert _last(tmp_path) == str(tmp_path / 'iter_2.pth')
    assert safe_torch_load(str(tmp_path / 'iter_2.pth'))['meta']['iter'] == 2

    monkeypatch.undo()
    runner = toy_runner(tmp_path, checkpoint_hook=_atomic(), resume=True)
    runner.train()
    log = _log_text(tmp_path)
    assert 'iter_4.pth.tmp' in log and 'did not finish' in log
    assert 'resumed epoch: 0, iter: 2' in log
    assert [n for n in _names(tmp_path) if '.pth' in n] == \
        ['iter_4.pth', 'iter_6.pth']


def test_mmengine_hook_loses_the_run_in_the_same_crash(tmp_path, monkeypatch):
    """Control: with MMEngine's hook and one checkpoint kept, the same
    crash leaves nothing to resume from (the reason for the subclass)."""
    monkeypatch.setattr(LocalBackend, 'put', _failing_put('iter_4.pth'))
    hook = CheckpointHook(interval=2, by_epoch=False, max_keep_ckpts=1)
    with pytest.raises(KeyboardInterrupt):
        toy_runner(tmp_path, checkpoint_hook=hook).train()
    assert 'iter_2.pth' not in _names(tmp_path)
    with pytest.raises(DamagedCheckpointError):
        safe_torch_load(str(tmp_path / 'iter_4.pth'))


def test_best_checkpoint_written_atomically(tmp_path):
    runner = toy_runner(tmp_path, checkpoint_hook=_atomic(save_best='score',
                                                          rule='greater'))
    runner.train()
    best = glob.glob(str(tmp_path / 'best_score_iter_*.pth'))
    assert len(best) == 1
    assert 'state_dict' in safe_torch_load(best[0])
    assert not glob.glob(str(tmp_path / '*.tmp*'))


# -- what --resume loads --------------------------------------------------
def test_resume_skips_a_damaged_latest_checkpoint(tmp_path):
    toy_runner(tmp_path, checkpoint_hook=_atomic()).train()
    _truncate(str(tmp_path / 'iter_6.pth'))
    runner = toy_runner(
        tmp_path, max_iters=8, checkpoint_hook=_atomic(), resume=True)
    runner.train()
    log = _log_text(tmp_path)
    damaged = str(tmp_path / 'iter_6.pth')
    assert f"the latest checkpoint '{damaged}' is damaged" in log
    assert f"newest complete checkpoint '{tmp_path / 'iter_4.pth'}'" in log
    assert 'resumed epoch: 0, iter: 4' in log
    assert safe_torch_load(str(tmp_path / 'iter_8.pth'))['meta']['iter'] == 8


def test_resume_without_last_checkpoint_uses_newest_file(tmp_path):
    toy_runner(tmp_path, checkpoint_hook=_atomic()).train()
    os.remove(tmp_path / 'last_checkpoint')
    toy_runner(tmp_path, max_iters=8, checkpoint_hook=_atomic(),
               resume=True).train()
    log = _log_text(tmp_path)
    assert 'has no last_checkpoint file' in log
    assert 'resumed epoch: 0, iter: 6' in log


def test_resume_with_nothing_warns_and_starts_fresh(tmp_path):
    work_dir = tmp_path / 'empty_run'
    runner = toy_runner(work_dir, checkpoint_hook=_atomic(), resume=True)
    runner.train()
    log = _log_text(work_dir)
    assert f"nothing to resume from in the work dir '{work_dir}'" in log
    assert 'training starts fresh from iteration 0' in log
    assert 'iter_6.pth' in _names(work_dir)


def test_resume_fails_when_every_checkpoint_is_damaged(tmp_path):
    toy_runner(tmp_path, checkpoint_hook=_atomic()).train()
    for name in ('iter_4.pth', 'iter_6.pth'):
        _truncate(str(tmp_path / name))
    runner = toy_runner(tmp_path, checkpoint_hook=_atomic(), resume=True)
    with pytest.raises(RuntimeError) as err:
        runner.train()
    msg = str(err.value)
    assert 'no complete checkpoint' in msg
    assert 'iter_4.pth' in msg and 'iter_6.pth' in msg
    assert 'without --resume' in msg


def test_resume_refuses_an_unsafe_latest_checkpoint(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    toy_runner(tmp_path, checkpoint_hook=_atomic()).train()
    ckpt = safe_torch_load(str(tmp_path / 'iter_6.pth'))
    ckpt['meta']['x'] = os.path.join  # not on the allow-list
    torch.save(ckpt, str(tmp_path / 'iter_6.pth'))
    runner = toy_runner(tmp_path, checkpoint_hook=_atomic(), resume=True)
    with pytest.raises(UnsafeCheckpointError, match='posixpath.join'):
        runner.train()


# -- checks of loaded checkpoints ------------------------------------------
def _other_width_checkpoint(path, width=5):
    torch.save({'state_dict': NoisyToyModel(width).state_dict(),
                'meta': {}}, str(path))


def test_test_run_refuses_a_checkpoint_of_another_model(tmp_path):
    ckpt = tmp_path / 'other.pth'
    _other_width_checkpoint(ckpt)
    runner = toy_runner(
        tmp_path / 'strict', load_from=str(ckpt),
        extra_hooks=dict(check=CheckpointLoadCheckHook()))
    with pytest.raises(CheckpointMismatchError) as err:
        runner.test()
    msg = str(err.value)
    assert 'other.pth' in msg and 'NoisyToyModel' in msg
    assert 'linear.weight: checkpoint [1, 5], model [1, 4]' in msg
    assert '--non-strict' in msg
    # opted out: the run goes on and the log lists every mismatch
    runner = toy_runner(
        tmp_path / 'lenient', load_from=str(ckpt),
        extra_hooks=dict(check=CheckpointLoadCheckHook(strict=False)))
    runner.test()
    log = _log_text(tmp_path / 'lenient')
    assert '1 of 2 model tensors match' in log
    assert 'linear.weight: checkpoint [1, 5], model [1, 4]' in log


def test_load_from_logs_mismatches_and_fails_when_almost_nothing_fits(
        tmp_path):
    ckpt = tmp_path / 'other.pth'
    _other_width_checkpoint(ckpt)  # 1 of 2 tensors fit (the bias)
    runner = toy_runner(
        tmp_path / 'partial', load_from=str(ckpt), max_iters=2,
        extra_hooks=dict(check=CheckpointLoadCheckHook()))
    runner.train()
    log = _log_text(tmp_path / 'partial')
    assert 'does not fit the model (NoisyToyModel) exactly' in log
    assert 'linear.weight: checkpoint [1, 5], model [1, 4]' in log
    runner = toy_runner(
        tmp_path / 'too_little', load_from=str(ckpt), max_iters=2,
        extra_hooks=dict(check=CheckpointLoadCheckHook(
            min_match_fraction=0.6)))
    with pytest.raises(CheckpointMismatchError) as err:
        runner.train()
    msg = str(err.value)
    assert 'fills only 1 of 2 tensors' in msg and '60%' in msg
    with pytest.raises(ValueError, match='min_match_fraction'):
        CheckpointLoadCheckHook(min_match_fraction=2)


def test_resume_refuses_a_checkpoint_of_another_model(tmp_path):
    work_dir = tmp_path / 'run'
    work_dir.mkdir()
    _other_width_checkpoint(work_dir / 'iter_2.pth')
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'iter_2.pth'))
    runner = toy_runner(work_dir, resume=True,
                        extra_hooks=dict(check=CheckpointLoadCheckHook()))
    with pytest.raises(CheckpointMismatchError) as err:
        runner.train()
    assert 'iter_2.pth' in str(err.value)
    assert 'to resume from must come from training' in str(err.value)


# -- the distillation teacher -----------------------------------------------
def _teacher_hook_and_runner(cfgs, ckpt):
    student = MODELS.build(cfgs.tiny_cfg(binary=True, distill=True))
    hook = BiMTDPDistillHook(cfgs.tiny_cfg(), str(ckpt))
    return hook, cfgs.fake_runner(student, dict(type='BiMTDPDistillHook'))


def test_teacher_errors_say_what_is_wrong_with_the_file(
        cfgs, tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    teacher = MODELS.build(cfgs.tiny_cfg())
    good = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict(),
                'meta': dict(experiment_name='fp_run')}, str(good))

    damaged = tmp_path / 'damaged.pth'
    shutil.copy(good, damaged)
    _truncate(str(damaged))
    hook, runner = _teacher_hook_and_runner(cfgs, damaged)
    with pytest.raises(DamagedCheckpointError) as err:
        hook.before_train(runner)
    msg = str(err.value)
    assert 'damaged.pth' in msg and 'is damaged' in msg
    assert 'does not match' not in msg

    unsafe = tmp_path / 'unsafe.pth'
    torch.save({'state_dict': teacher.state_dict(), 'x': os.path.join},
               str(unsafe))
    hook, runner = _teacher_hook_and_runner(cfgs, unsafe)
    with pytest.raises(UnsafeCheckpointError) as err:
        hook.before_train(runner)
    msg = str(err.value)
    assert 'unsafe' in msg and 'posixpath.join' in msg and TRUST_ENV in msg
    assert 'weights_only' not in msg and 'Train the' not in msg

    other = MODELS.build(cfgs.tiny_cfg(num_classes=7))
    wrong = tmp_path / 'other_arch.pth'
    torch.save({'state_dict': other.state_dict(),
                'meta': dict(experiment_name='seven_classes_run')},
               str(wrong))
    hook, runner = _teacher_hook_and_runner(cfgs, wrong)
    with pytest.raises(CheckpointMismatchError) as err:
        hook.before_train(runner)
    msg = str(err.value)
    assert 'does not match the teacher model' in msg
    assert 'another architecture' in msg
    assert 'checkpoint [7, 8, 1, 1], model [5, 8, 1, 1]' in msg
    assert "'seven_classes_run'" in msg

    hook, runner = _teacher_hook_and_runner(cfgs, tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        hook.before_train(runner)

    hook, runner = _teacher_hook_and_runner(cfgs, good)
    hook.before_train(runner)
    assert runner.model.teacher is not None


# -- tools/test.py ----------------------------------------------------------
def test_tools_test_refuses_another_architecture(tiny_nyud, tmp_path):
    """tools/test.py with a checkpoint of the Bi-MTDP student on the FP
    config exits non-zero listing mismatches; --non-strict evaluates."""
    from mmbin.utils import build_model_from_config
    student, _ = build_model_from_config(
        osp.join(REPO, 'configs/bimtdp/synthetic_r18_no_kd.py'))
    ckpt = str(tmp_path / 'student.pth')
    torch.save({'state_dict': student.state_dict(), 'meta': {}}, ckpt)
    cmd = [sys.executable, 'tools/test.py', FP, ckpt, '--work-dir',
           str(tmp_path / 'test'), '--cfg-options'
           ] + kh.tiny_data_options(tiny_nyud)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          env=kh.env(), timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert 'does not fit the model (MultiTaskEncoderDecoder)' in out
    assert 'First mismatches:' in out and '--non-strict' in out
    out = kh.run(cmd[:4] + ['--non-strict'] + cmd[4:],
                 str(tmp_path / 'non_strict.log'))
    assert 'does not fit the model (MultiTaskEncoderDecoder) exactly' in out
    assert 'mIoU' in out


# -- a real kill during a checkpoint write ------------------------------------
def _kill_during_save(tiny_nyud, work_dir, options, log):
    marker = str(work_dir) + '.writing'
    environ = kh.env(**{kh.SLOW_SAVE_ENV: f'iter_4.pth:{marker}'})
    return kh.run_and_kill(
        kh.train_cmd(FP, work_dir, options), marker, log, environ)


def test_kill_during_checkpoint_write_then_resume(tiny_nyud, tmp_path):
    """SIGKILL while iter_4.pth is being written: iter_2.pth and
    last_checkpoint stay valid and --resume finishes the run. The same kill
    with MMEngine's hook (one checkpoint kept, the CPU schedules' old
    setting) leaves no checkpoint to resume from."""
    opts = kh.tiny_data_options(tiny_nyud) + kh.schedule_options(6, 2)
    work_dir = tmp_path / 'atomic'
    _kill_during_save(tiny_nyud, work_dir, opts, str(tmp_path / 'a1.log'))
    names = _names(work_dir)
    assert 'iter_4.pth' not in names and 'iter_4.pth.tmp' in names
    assert _last(work_dir) == str(work_dir / 'iter_2.pth')
    assert safe_torch_load(str(work_dir / 'iter_2.pth'))['meta']['iter'] == 2

    out = kh.run(
        kh.train_cmd(FP, work_dir, opts, ['--resume']),
        str(tmp_path / 'a2.log'))
    assert 'resumed epoch: 0, iter: 2' in out
    assert 'did not finish' in out
    assert [n for n in _names(work_dir) if '.pth' in n] == \
        ['iter_4.pth', 'iter_6.pth']
    assert safe_torch_load(str(work_dir / 'iter_6.pth'))['meta']['iter'] == 6

    shutil.rmtree(work_dir)  # 140 MB checkpoints
    stock = tmp_path / 'stock'
    _kill_during_save(
        tiny_nyud, stock, opts + [
            'default_hooks.checkpoint.type=CheckpointHook',
            'default_hooks.checkpoint.max_keep_ckpts=1'
        ], str(tmp_path / 's1.log'))
    assert 'iter_2.pth' not in _names(stock)
    with pytest.raises(DamagedCheckpointError):
        safe_torch_load(str(stock / 'iter_4.pth'))
    shutil.rmtree(stock)
