# Copyright (c) mmbin contributors. All rights reserved.
"""The Bi-MTDP configs: feature distillation and FP initialisation by
default, the ablation configs of the training recipe, the plain binary
baselines from scratch, and the FP initialisation of the synthetic student
from its teacher's layout."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmbin.models.init import FPInitError, load_fp_weights
from mmbin.utils import build_model_from_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BIMTDP = osp.join(ROOT, 'configs', 'bimtdp')


def _cfg(name):
    return Config.fromfile(osp.join(BIMTDP, f'{name}.py'))


def _hooks(cfg):
    return {h['type']: h for h in cfg.get('custom_hooks') or []}


@pytest.mark.parametrize('name', ['synthetic_r18', 'nyud_r18', 'pascal_r18'])
def test_bimtdp_defaults_feature_kd_and_fp_init(name):
    cfg = _cfg(name)
    distill = cfg.model.distill_loss
    assert not distill.predictions
    assert [f['source'] for f in distill.features] == ['neck', 'decoder']
    # tools address the teacher as custom_hooks.0
    assert cfg.custom_hooks[0]['type'] == 'BiMTDPDistillHook'
    fp = _hooks(cfg)['FPInitHook']
    assert fp['checkpoint'] is None  # the teacher's checkpoint
    # the IB neck and the student's 7x7 stem (the teacher's is ResNetV1c's
    # deep stem) start from their initialisation
    assert fp['keep_init'] == [r'^neck\.', r'^backbone\.(stem|conv1|bn1)\.']
    assert cfg.model.backbone.deep_stem is False

    pred = _cfg(f'{name}_feat_pred_kd')
    assert sorted(pred.model.distill_loss.predictions) == sorted(
        cfg.model.decode_heads)
    assert pred.custom_hooks == cfg.custom_hooks


@pytest.mark.parametrize('data', ['synthetic', 'nyud'])
def test_recipe_ablations_and_baselines(data):
    full = _cfg(f'{data}_r18')
    no_fp = _cfg(f'{data}_r18_no_fp_init')
    assert list(_hooks(no_fp)) == ['BiMTDPDistillHook']
    assert no_fp.model == full.model
    two = _cfg(f'{data}_r18_two_stage')
    assert list(_hooks(two)) == [
        'BiMTDPDistillHook', 'FPInitHook', 'TwoStageBinarizationHook']
    assert 0 < _hooks(two)['TwoStageBinarizationHook']['switch_ratio'] < 1
    # without KD: still FP-initialised, from an explicit checkpoint
    no_kd = _hooks(_cfg(f'{data}_r18_no_kd'))
    assert list(no_kd) == ['FPInitHook']
    assert no_kd['FPInitHook']['checkpoint'] == f'work_dirs/{data}_r18_fp'
    # plain binary baselines stay from scratch (the binary_*.py inherit
    # no_ib_no_kd.py); one twin has the recipe
    for name in ('no_ib_no_kd', 'binary_bnn'):
        assert not _cfg(f'{data}_r18_{name}').get('custom_hooks'), name
    fp_twin = _hooks(_cfg(f'{data}_r18_no_ib_no_kd_fp_init'))
    assert list(fp_twin) == ['FPInitHook']
    assert fp_twin['FPInitHook']['checkpoint'] == f'work_dirs/{data}_r18_fp'


def test_synthetic_students_fit_their_teacher_layout(tmp_path):
    """The students of the recipe load from an FP teacher checkpoint of
    configs/mtdp/synthetic_r18_fp.py; BiDense's layout (a BN inside every
    conv) does not, and says so."""
    teacher, _ = build_model_from_config(
        osp.join(ROOT, 'configs/mtdp/synthetic_r18_fp.py'))
    path = str(tmp_path / 'fp.pth')
    torch.save(dict(state_dict=teacher.state_dict()), path)
    for name in ('synthetic_r18', 'synthetic_r18_no_ib_no_kd_fp_init'):
        cfg = _cfg(name)
        student, _ = build_model_from_config(osp.join(BIMTDP, f'{name}.py'))
        keep = _hooks(cfg)['FPInitHook']['keep_init']
        report = load_fp_weights(student, path, keep_init=keep)
        # all but the teacher's deep stem (three convs and BNs)
        assert len(report.loaded) == len([
            k for k in teacher.state_dict()
            if not k.startswith('backbone.stem.')
        ])
        assert torch.equal(student.backbone.layer4[1].conv2.weight,
                           teacher.backbone.layer4[1].conv2.weight)
    bidense, _ = build_model_from_config(
        osp.join(BIMTDP, 'synthetic_r18_binary_bidense.py'))
    with pytest.raises(FPInitError, match='conv1.bn.weight'):
        load_fp_weights(bidense, path)
