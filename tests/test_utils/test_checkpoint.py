# Copyright (c) mmbin contributors. All rights reserved.
import collections
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import mmbin  # noqa: F401
from mmbin.utils import TRUST_ENV, UnsafeCheckpointError, safe_torch_load


class _Payload:
    """A class whose unpickling has a visible side effect."""

    def __reduce__(self):
        return (os.path.join, ('pwn', 'ed'))


class _CraftedGetattr:
    """Pickles as getattr(MessageHub, '__init__') - must be refused."""

    def __reduce__(self):
        return (getattr, (MessageHub, '__init__'))


def _mmengine_like_checkpoint(path):
    hub = MessageHub.get_instance('test_ckpt_hub')
    hub.update_scalar('train/loss', 1.0)
    hub.update_scalar('train/loss', np.float64(3.0))
    hub.update_info('iter', 2)
    ckpt = dict(
        meta=dict(
            message_hub=hub.state_dict(),
            seed=np.int64(7),
            hist=np.arange(4, dtype=np.float32),
            dataset_meta=dict(classes=('a', 'b'))),
        state_dict=collections.OrderedDict(w=torch.arange(3.)),
        optimizer=dict(state={}, param_groups=[dict(lr=0.1)]))
    torch.save(ckpt, path)


def test_loader_is_installed():
    from mmbin.utils import checkpoint
    assert CheckpointLoader._get_checkpoint_loader('/x/y.pth') is \
        checkpoint.load_from_local


def test_mmengine_checkpoint_loads(tmp_path):
    path = str(tmp_path / 'ok.pth')
    _mmengine_like_checkpoint(path)
    # plain torch.load (weights_only default) cannot read it ...
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    # ... mmengine's loading path through mmbin's scheme can
    ckpt = _load_checkpoint(path, map_location='cpu')
    buf = ckpt['meta']['message_hub']['log_scalars']['train/loss']
    assert buf.mean() == pytest.approx(2.0)
    assert buf.current() == pytest.approx(3.0)
    assert ckpt['meta']['seed'] == 7
    np.testing.assert_array_equal(ckpt['meta']['hist'], [0, 1, 2, 3])
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(3.))
    # the restored hub works as MessageHub state
    hub = MessageHub.get_instance('test_ckpt_restore')
    hub.load_state_dict(ckpt['meta']['message_hub'])
    assert hub.get_scalar('train/loss').max() == pytest.approx(3.0)


def test_unsafe_checkpoint_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(tmp_path / 'unsafe.pth')
    torch.save({'state_dict': {}, 'extra': _Payload()}, path)
    with pytest.raises(UnsafeCheckpointError) as err:
        _load_checkpoint(path)
    msg = str(err.value)
    assert 'posixpath.join' in msg
    assert path in msg
    assert TRUST_ENV in msg and '--trust-checkpoint' in msg
    # explicit opt-in loads it
    monkeypatch.setenv(TRUST_ENV, '1')
    loaded = _load_checkpoint(path)
    assert loaded['extra'] == os.path.join('pwn', 'ed')


def test_crafted_getattr_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(tmp_path / 'getattr.pth')
    torch.save({'x': _CraftedGetattr()}, path)  # MessageHub.__init__
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        safe_torch_load(path)


def test_missing_and_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        safe_torch_load(str(tmp_path / 'nope.pth'))
    bad = tmp_path / 'corrupt.pth'
    bad.write_bytes(b'this is not a checkpoint')
    with pytest.raises(RuntimeError, match='corrupt.pth'):
        safe_torch_load(str(bad))


def test_trust_env_values(monkeypatch):
    from mmbin.utils import trust_all_checkpoints
    for value, expected in (('1', True), ('true', True), ('0', False),
                            ('', False)):
        monkeypatch.setenv(TRUST_ENV, value)
        assert trust_all_checkpoints() is expected
    monkeypatch.delenv(TRUST_ENV)
    assert os.environ.get(TRUST_ENV) is None
    assert trust_all_checkpoints() is False


def test_onecycle_scheduler_state_loads(tmp_path, monkeypatch):
    from mmengine.optim.scheduler import OneCycleLR
    monkeypatch.delenv(TRUST_ENV, raising=False)
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    sched = OneCycleLR(opt, eta_max=1e-3, total_steps=10)
    for _ in range(3):
        opt.step()
        sched.step()
    path = str(tmp_path / 'onecycle.pth')
    torch.save({'param_schedulers': [sched.state_dict()]}, path)
    state = safe_torch_load(path)['param_schedulers'][0]
    assert state['anneal_func'] is OneCycleLR._annealing_cos
    assert state['last_step'] == sched.last_step
    restored = OneCycleLR(opt, eta_max=1e-3, total_steps=10)
    restored.load_state_dict(state)
    assert restored.get_last_value() == sched.get_last_value()


def test_damaged_checkpoint_is_its_own_error(tmp_path):
    from mmbin.utils import DamagedCheckpointError
    path = tmp_path / 'whole.pth'
    torch.save({'state_dict': {'w': torch.zeros(1000)}}, str(path))
    data = path.read_bytes()
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(data[:len(data) // 2])  # a write killed half-way
    with pytest.raises(DamagedCheckpointError) as err:
        safe_torch_load(str(cut))
    msg = str(err.value)
    assert 'cut.pth' in msg and 'damaged' in msg
    assert 'weights_only' not in msg
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(DamagedCheckpointError, match='empty.pth'):
        safe_torch_load(str(empty))


@pytest.mark.parametrize('legacy', [False, True])
def test_unsafe_error_never_suggests_weights_only_false(
        tmp_path, monkeypatch, legacy):
    """Zip and legacy (plain pickle) files: the culprit is named, torch's
    advice to pass weights_only=False is not passed on."""
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(tmp_path / 'evil.pth')
    torch.save({'x': _Payload()}, path,
               _use_new_zipfile_serialization=not legacy)
    with pytest.raises(UnsafeCheckpointError) as err:
        safe_torch_load(path)
    msg = str(err.value)
    assert 'posixpath.join' in msg and TRUST_ENV in msg
    assert 'weights_only' not in msg
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_legacy_safe_checkpoint_loads(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(tmp_path / 'legacy.pth')
    torch.save({'state_dict': {'w': torch.arange(3.)}}, path,
               _use_new_zipfile_serialization=False)
    loaded = safe_torch_load(path)
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))
