# Copyright (c) mmbin contributors. All rights reserved.
"""Every row of the bad-input table (docs/bad_inputs.md) as a test.

Each case feeds one bad input to the code a user runs (the dataset
pipeline, a tool's ``main``, a hook, a loader) and returns the error text;
the test then checks that the text holds the excerpt the docs table
quotes, and each case checks that the culprit (file, key, option) is
named. The command-line tools run in this process through ``runpy`` (as
``python tools/x.py ...`` would; ``SystemExit`` with a message or an
exception is a non-zero exit), which saves a Python start per case.
``test_docs_table_matches_cases`` keeps the table and the cases one to one.
``MMBIN_PRINT_ERRORS=1 pytest -s`` prints every message in full.
"""
import importlib.util
import os
import os.path as osp
import re
import runpy
import sys
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOC = osp.join(ROOT, 'docs', 'bad_inputs.md')
DEMO_CFG = osp.join(ROOT, 'configs', 'demo', 'fcn_r18_synthetic_nyud_seg.py')
LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadMultiTaskAnnotations')]

CASES = {}


def case(case_id):
    """Register a case: ``fn(ctx) -> error text``."""

    def wrap(fn):
        assert case_id not in CASES, case_id
        CASES[case_id] = fn
        return fn

    return wrap


def _raises(exc_type, fn, *args, **kwargs):
    with pytest.raises(exc_type) as err:
        fn(*args, **kwargs)
    return f'{type(err.value).__name__}: {err.value}'


def _tool(ctx, script, *argv):
    """Run ``tools/<script>`` as ``__main__``; it must end with a non-zero
    exit (SystemExit with a message or code, or an exception)."""
    ctx.monkeypatch.setattr(sys, 'argv', [script] + [str(a) for a in argv])
    ctx.monkeypatch.setenv('LOCAL_RANK', '0')
    try:
        runpy.run_path(osp.join(ROOT, 'tools', script), run_name='__main__')
    except SystemExit as e:
        assert e.code not in (0, None), f'{script} exited 0'
        captured = ctx.capsys.readouterr()
        text = e.code if isinstance(e.code, str) else ''
        return f'exit: {text}\n{captured.err}'
    except Exception as e:  # the traceback case of a real run
        return f'{type(e).__name__}: {e}'
    raise AssertionError(f'{script} {argv} did not fail')


def _dataset(root, **kwargs):
    from mmbin.datasets import NYUDMultiTaskDataset
    return NYUDMultiTaskDataset(data_root=root, pipeline=LOAD, **kwargs)


def _engine_helpers():
    path = osp.join(ROOT, 'tests', 'test_engine', 'conftest.py')
    spec = importlib.util.spec_from_file_location('_engine_helpers', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _data_opts(root):
    return [f'{s}_dataloader.dataset.data_root={root}'
            for s in ('train', 'val', 'test')]


# -- data ----------------------------------------------------------------
@case('split-missing')
def _split_missing(ctx):
    os.remove(osp.join(ctx.tree, 'gt_sets', 'train.txt'))
    msg = _raises(FileNotFoundError, _dataset, ctx.tree)
    assert 'gt_sets/train.txt' in msg
    return msg


@case('split-empty')
def _split_empty(ctx):
    open(osp.join(ctx.tree, 'gt_sets', 'train.txt'), 'w').write('\n')
    msg = _raises(ValueError, _dataset, ctx.tree)
    assert 'train.txt' in msg
    return msg


@case('file-missing')
def _file_missing(ctx):
    os.remove(osp.join(ctx.tree, 'normals', 'b.npy'))
    msg = _raises(FileNotFoundError, _dataset, ctx.tree)
    assert 'normals/b.npy' in msg
    return msg


@case('image-corrupt')
def _image_corrupt(ctx):
    path = osp.join(ctx.tree, 'images', 'a.jpg')
    open(path, 'wb').write(b'\xff\xd8 not a jpeg')
    msg = _raises(Exception, lambda: _dataset(ctx.tree)[0])
    assert path in msg
    return msg


@case('image-truncated')
def _image_truncated(ctx):
    path = osp.join(ctx.tree, 'images', 'b.jpg')
    img = (np.random.default_rng(0).random((12, 16, 3)) * 255).astype(
        np.uint8)
    data = cv2.imencode('.jpg', img)[1].tobytes()
    open(path, 'wb').write(data[:len(data) * 2 // 3])
    msg = _raises(Exception, lambda: _dataset(ctx.tree)[1])
    assert path in msg
    return msg


@case('map-corrupt')
def _map_corrupt(ctx):
    open(osp.join(ctx.tree, 'depth', 'a.npy'), 'wb').write(b'garbage' * 3)
    msg = _raises(Exception, lambda: _dataset(ctx.tree)[0])
    assert 'depth/a.npy' in msg
    return msg


@case('map-size')
def _map_size(ctx):
    np.save(osp.join(ctx.tree, 'depth', 'b.npy'),
            np.ones((12, 15), np.float32))
    msg = _raises(Exception, lambda: _dataset(ctx.tree)[1])
    assert 'depth/b.npy' in msg and 'images/b.jpg' in msg
    return msg


# -- annotations -----------------------------------------------------------
@case('class-id')
def _class_id(ctx):
    seg = np.zeros((12, 16), np.uint8)
    seg[3, 4] = 41
    cv2.imwrite(osp.join(ctx.tree, 'segmentation', 'c.png'), seg)
    msg = _raises(Exception, lambda: _dataset(ctx.tree)[2])
    assert 'segmentation/c.png' in msg and '[41]' in msg
    return msg


@case('label-colour')
def _label_colour(ctx):
    cv2.imwrite(osp.join(ctx.tree, 'segmentation', 'a.png'),
                np.zeros((12, 16, 3), np.uint8) + (1, 2, 3))
    msg = _raises(Exception, lambda: _dataset(ctx.tree)[0])
    assert 'segmentation/a.png' in msg
    return msg


@case('normal-shape')
def _normal_shape(ctx):
    np.save(osp.join(ctx.tree, 'normals', 'a.npy'),
            np.ones((12, 16), np.float32))
    msg = _raises(Exception, lambda: _dataset(ctx.tree)[0])
    assert 'normals/a.npy' in msg
    return msg


@case('unknown-task')
def _unknown_task(ctx):
    from mmseg.registry import TRANSFORMS
    msg = _raises(
        ValueError, TRANSFORMS.build,
        dict(type='LoadMultiTaskAnnotations', tasks=['seg', 'normals']))
    assert "'normals'" in msg
    return msg


# -- configs -----------------------------------------------------------------
@case('config-missing')
def _config_missing(ctx):
    msg = _tool(ctx, 'train.py', ctx.tmp / 'nope.py')
    assert 'nope.py' in msg
    return msg


@case('config-syntax')
def _config_syntax(ctx):
    path = ctx.tmp / 'broken.py'
    path.write_text(f"_base_ = ['{DEMO_CFG}']\nmodel = dict(\n"
                    'train_cfg = dict(max_iters=2)\n')
    msg = _tool(ctx, 'train.py', path)
    assert f'{path}, line 2' in msg
    return msg


@case('cfg-options-typo')
def _cfg_options_typo(ctx):
    msg = _tool(ctx, 'train.py', DEMO_CFG, '--work-dir', ctx.tmp / 'w',
                '--cfg-options', 'trian_dataloader.batch_size=2')
    assert "'trian_dataloader'" in msg
    return msg


@case('component-typo')
def _component_typo(ctx):
    from mmseg.registry import MODELS
    msg = _raises(KeyError, MODELS.build,
                  dict(type='MultiTaskEncoderDecodr'))
    assert 'MultiTaskEncoderDecodr' in msg
    return msg


# -- command line ------------------------------------------------------------
@case('test-checkpoint-missing')
def _test_checkpoint_missing(ctx):
    msg = _tool(ctx, 'test.py', DEMO_CFG, ctx.tmp / 'iter_9.pth')
    assert 'iter_9.pth' in msg
    return msg


@case('amp-without-gpu')
def _amp_without_gpu(ctx):
    if torch.cuda.is_available():
        pytest.skip('a GPU is present: --amp is valid here')
    msg = _tool(ctx, 'train.py', DEMO_CFG, '--work-dir', ctx.tmp / 'w',
                '--amp')
    assert '--amp' in msg
    return msg


@case('shape-not-positive')
def _shape_not_positive(ctx):
    msg = _tool(ctx, osp.join('analysis', 'get_flops.py'), DEMO_CFG,
                '--shape', '0', '64')
    assert '--shape' in msg
    return msg


@case('tta-without-pipeline')
def _tta_without_pipeline(ctx):
    ckpt = ctx.tmp / 'iter_1.pth'
    ckpt.write_bytes(b'')
    msg = _tool(ctx, 'test.py', DEMO_CFG, ckpt, '--tta')
    assert 'fcn_r18_synthetic_nyud_seg.py' in msg
    return msg


# -- checkpoints -------------------------------------------------------------
class _Payload:

    def __reduce__(self):
        return (os.path.join, ('pwn', 'ed'))


@case('checkpoint-unsafe')
def _checkpoint_unsafe(ctx):
    from mmbin.utils import TRUST_ENV, safe_torch_load
    ctx.monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(ctx.tmp / 'evil.pth')
    torch.save({'x': _Payload()}, path)
    msg = _raises(Exception, safe_torch_load, path)
    assert path in msg and 'weights_only' not in msg
    return msg


@case('checkpoint-damaged')
def _checkpoint_damaged(ctx):
    from mmbin.utils import safe_torch_load
    whole = ctx.tmp / 'whole.pth'
    torch.save({'state_dict': {'w': torch.zeros(1000)}}, str(whole))
    cut = ctx.tmp / 'iter_4.pth'
    data = whole.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    msg = _raises(Exception, safe_torch_load, str(cut))
    assert 'iter_4.pth' in msg
    return msg


@case('checkpoint-other-model')
def _checkpoint_other_model(ctx):
    ckpt = str(ctx.tmp / 'other.pth')
    torch.save({'state_dict': torch.nn.Linear(3, 2).state_dict(),
                'meta': {}}, ckpt)
    msg = _tool(ctx, 'test.py', DEMO_CFG, ckpt, '--work-dir', ctx.tmp / 'w',
                '--cfg-options', *_data_opts(ctx.tiny_nyud))
    assert 'other.pth' in msg
    return msg


# -- distillation teacher ---------------------------------------------------
def _teacher_hook(ctx, checkpoint):
    from mmseg.registry import MODELS

    from mmbin.engine.hooks import BiMTDPDistillHook
    helpers = _engine_helpers()
    student = MODELS.build(helpers.tiny_cfg(binary=True, distill=True))
    hook = BiMTDPDistillHook(helpers.tiny_cfg(), checkpoint)
    runner = helpers.fake_runner(student, dict(type='BiMTDPDistillHook'))
    return hook, runner, helpers


@case('teacher-missing')
def _teacher_missing(ctx):
    hook, runner, _ = _teacher_hook(ctx, str(ctx.tmp / 'teacher.pth'))
    msg = _raises(FileNotFoundError, hook.before_train, runner)
    assert 'teacher.pth' in msg
    return msg


@case('teacher-other-model')
def _teacher_other_model(ctx):
    from mmengine.runner import save_checkpoint
    from mmseg.registry import MODELS
    path = str(ctx.tmp / 'teacher7.pth')
    helpers = _engine_helpers()
    save_checkpoint(MODELS.build(helpers.tiny_cfg(num_classes=7))
                    .state_dict(), path)
    hook, runner, _ = _teacher_hook(ctx, path)
    msg = _raises(RuntimeError, hook.before_train, runner)
    assert 'teacher7.pth' in msg
    return msg


@case('teacher-unsafe')
def _teacher_unsafe(ctx):
    from mmbin.utils import TRUST_ENV
    ctx.monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(ctx.tmp / 'teacher_evil.pth')
    torch.save({'state_dict': {}, 'x': _Payload()}, path)
    hook, runner, _ = _teacher_hook(ctx, path)
    msg = _raises(Exception, hook.before_train, runner)
    assert 'teacher_evil.pth' in msg and 'weights_only' not in msg
    return msg


# -- training ----------------------------------------------------------------
@case('loss-not-finite')
def _loss_not_finite(ctx):
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Diverging(BaseModel):

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def forward(self, inputs, mode='loss', **kwargs):
            x = torch.stack(inputs)
            return dict(loss_depth=(self.w * x * 1e38 * 1e38).mean())

    runner = Runner(
        model=Diverging(),
        work_dir=str(ctx.tmp / 'diverge'),
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(1))] * 2,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=1),
        train_cfg=dict(by_epoch=False, max_iters=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(nonfinite_guard=dict(type='NonFiniteGuardHook')),
        default_scope='mmseg',
        experiment_name=f'bad_input_diverge_{id(ctx)}')
    msg = _raises(RuntimeError, runner.train)
    assert 'iteration 1' in msg and 'loss_depth = inf' in msg
    return msg


# -- exported IR -------------------------------------------------------------
@case('ir-missing')
def _ir_missing(ctx):
    pytest.importorskip('openvino')
    from mmbin.deploy.runtime import read_model
    msg = _raises(FileNotFoundError, read_model, str(ctx.tmp / 'ir'))
    assert f"'{ctx.tmp / 'ir'}'" in msg
    return msg


@case('ir-corrupt')
def _ir_corrupt(ctx):
    pytest.importorskip('openvino')
    from mmbin.deploy.runtime import read_model
    (ctx.tmp / 'ir').mkdir()
    (ctx.tmp / 'ir' / 'model.xml').write_text('garbage\n')
    msg = _raises(RuntimeError, read_model, str(ctx.tmp / 'ir'))
    assert osp.join(str(ctx.tmp), 'ir', 'model.xml') in msg
    return msg


# -- the tests --------------------------------------------------------------
def _doc_rows():
    """``{id: excerpt}`` from the docs table: rows ``| `id` | ... |`` whose
    third cell quotes the message excerpt in backticks."""
    rows = {}
    with open(DOC, encoding='utf-8') as f:
        for line in f:
            if not line.startswith('| `'):
                continue
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            case_id = cells[0].strip('`')
            quoted = re.findall(r'`([^`]+)`', cells[2])
            assert quoted, f'row {case_id}: no `excerpt` in the 3rd cell'
            assert case_id not in rows, f'row {case_id} twice'
            rows[case_id] = quoted[-1]
    return rows


def test_docs_table_matches_cases():
    rows = _doc_rows()
    assert len(rows) >= 20
    assert set(rows) == set(CASES), (
        f'only in docs: {sorted(set(rows) - set(CASES))}; only in tests: '
        f'{sorted(set(CASES) - set(rows))}')


@pytest.mark.parametrize('case_id', sorted(CASES))
def test_bad_input(case_id, tmp_path, nyud_tree, tiny_nyud, monkeypatch,
                   capsys):
    ctx = SimpleNamespace(
        tmp=tmp_path,
        tree=nyud_tree,
        tiny_nyud=tiny_nyud,
        monkeypatch=monkeypatch,
        capsys=capsys)
    message = CASES[case_id](ctx)
    if os.environ.get('MMBIN_PRINT_ERRORS'):
        print(f'\n@@@ {case_id}\n{message}\n@@@')
    excerpt = _doc_rows()[case_id]
    assert excerpt in message, (
        f'docs/bad_inputs.md quotes `{excerpt}` for {case_id}, the error '
        f'was:\n{message}')
