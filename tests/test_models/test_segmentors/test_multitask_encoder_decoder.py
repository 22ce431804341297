# Copyright (c) mmbin contributors. All rights reserved.
"""MultiTaskEncoderDecoder: loss / predict / tensor modes, whole, slide and
flip inference, geometry of the predictions, task weights, teacher
handling."""
import pytest
import torch
import torch.nn as nn
from mmseg.registry import MODELS

NYUD_LOSSES = {'seg.loss_ce', 'depth.loss_depth', 'normal.loss_normal',
               'edge.loss_edge'}


def _build(cfg):
    model = MODELS.build(cfg)
    model.init_weights()
    return model


@pytest.mark.parametrize('binary', [False, True])
def test_loss_mode(model_cfg, samples, binary):
    model = _build(model_cfg(binary=binary, ib=True))
    x = torch.randn(2, 3, 32, 32)
    losses = model(x, samples(), mode='loss')
    # the IB neck (level 3) adds loss_ib and two log entries
    assert NYUD_LOSSES | {'loss_ib', 'ib.kl_3', 'ib.sigma_3',
                          'seg.acc_seg'} == set(losses)
    for k, v in losses.items():
        assert torch.isfinite(v), k
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert model.backbone.stem[0].weight.grad.abs().sum() > 0
    assert model.neck.branches['3'].norm_logvar.weight.grad is not None


def test_task_weights_scale_losses(model_cfg, samples):
    cfg = model_cfg()
    model = _build(cfg)
    x = torch.randn(2, 3, 32, 32)
    model.eval()  # deterministic (BN statistics, no dropout)
    weighted = model.loss(x, samples())
    model.task_weights = {t: 1.0 for t in model.tasks}
    plain = model.loss(x, samples())
    assert weighted['edge.loss_edge'].item() == pytest.approx(
        50 * plain['edge.loss_edge'].item(), rel=1e-5)
    assert weighted['seg.loss_ce'].item() == pytest.approx(
        plain['seg.loss_ce'].item(), rel=1e-5)
    assert weighted['seg.acc_seg'] == plain['seg.acc_seg']
    with pytest.raises(KeyError, match='parts'):
        MODELS.build(dict(cfg, task_weights=dict(parts=1.)))


def test_predict_restores_original_geometry(model_cfg, samples):
    model = _build(model_cfg()).eval()
    data = samples(n=2, h=32, w=32)
    # sample 0: padded by 4 px right / bottom, original 20 x 26
    data[0].set_metainfo(dict(padding_size=[0, 4, 0, 4],
                              ori_shape=(20, 26)))
    data[1].set_metainfo(dict(flip=True, flip_direction='horizontal'))
    with torch.no_grad():
        out = model(torch.randn(2, 3, 32, 32), data, mode='predict')
    assert out[0].pred_sem_seg.shape == (20, 26)
    assert out[0].seg_logits.data.shape == (5, 20, 26)
    assert out[0].pred_depth_map.shape == (20, 26)
    assert out[0].pred_normal_map.data.shape == (3, 20, 26)
    assert out[0].pred_edge_map.shape == (20, 26)
    n = out[1].pred_normal_map.data
    assert torch.allclose(n.norm(dim=0), torch.ones(32, 32), atol=1e-5)
    e = out[1].pred_edge_map.data
    assert e.min() >= 0 and e.max() <= 1
    # ground truth is kept next to the predictions
    assert 'gt_depth_map' in out[1]
    # without samples: predictions at the input size
    bare = model.predict(torch.randn(1, 3, 32, 32))
    assert bare[0].pred_sem_seg.shape == (32, 32)


def test_tensor_mode_returns_raw_head_outputs(model_cfg):
    model = _build(model_cfg()).eval()
    outs = model(torch.randn(1, 3, 32, 32))
    assert {k: tuple(v.shape) for k, v in outs.items()} == {
        'seg': (1, 5, 8, 8), 'depth': (1, 1, 8, 8),
        'normal': (1, 3, 8, 8), 'edge': (1, 1, 8, 8)}


def test_slide_and_flip_inference(model_cfg):
    model = _build(model_cfg()).eval()
    x = torch.randn(1, 3, 32, 32)
    metas = [dict(ori_shape=(32, 32))]
    with torch.no_grad():
        whole = model.inference(x, metas)
        model.test_cfg = dict(mode='slide', crop_size=(32, 32),
                              stride=(16, 16))
        one_window = model.inference(x, metas)
        for t in whole:
            assert torch.allclose(whole[t], one_window[t], atol=1e-5)
        model.test_cfg = dict(mode='slide', crop_size=(16, 16),
                              stride=(8, 8))
        slid = model.inference(x, metas)
        assert {t: v.shape for t, v in slid.items()} == \
            {t: v.shape for t, v in whole.items()}
        model.test_cfg = dict(mode='whole', flip=True)
        flipped = model.inference(x, metas)
        back = model.encode_decode(x.flip(dims=(3, )), metas)
        normal = back['normal'].flip(dims=(3, ))
        normal[:, 0] = -normal[:, 0]
        assert torch.allclose(flipped['normal'],
                              0.5 * (whole['normal'] + normal), atol=1e-5)
        assert torch.allclose(
            flipped['seg'],
            0.5 * (whole['seg'] + back['seg'].flip(dims=(3, ))), atol=1e-5)
        model.test_cfg = dict(mode='sliding')
        with pytest.raises(ValueError, match='whole'):
            model.inference(x, metas)


def test_teacher_stays_out_of_the_student(model_cfg, samples):
    student = _build(model_cfg(binary=True, ib=True, distill=True))
    teacher = _build(model_cfg()).eval()
    keys_before = set(student.state_dict())
    params_before = {id(p) for p in student.parameters()}
    with pytest.raises(RuntimeError, match='BiMTDPDistillHook'):
        student.loss(torch.randn(2, 3, 32, 32), samples())
    student.set_teacher(teacher)
    assert student.teacher is teacher
    assert set(student.state_dict()) == keys_before
    assert {id(p) for p in student.parameters()} == params_before
    assert all(m is not teacher for m in student.modules())
    student.train()
    assert not teacher.training  # .train() does not recurse into it
    losses = student.loss(torch.randn(2, 3, 32, 32), samples())
    kd = {k for k in losses if k.startswith('loss_kd_')}
    assert kd == {'loss_kd_neck', 'loss_kd_decoder', 'loss_kd_seg',
                  'loss_kd_depth', 'loss_kd_normal', 'loss_kd_edge'}
    assert all(torch.isfinite(losses[k]) and losses[k] > 0 for k in kd)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in teacher.parameters())
    with pytest.raises(TypeError, match='forward_features'):
        student.set_teacher(nn.Linear(2, 2))


def test_zero_kd_scale_skips_the_teacher(model_cfg, samples):
    student = _build(model_cfg(distill=True))
    calls = []

    class Spy(nn.Module):

        def forward_features(self, x):
            calls.append(x.shape)
            raise AssertionError('teacher must not run at scale 0')

    student.set_teacher(Spy())
    student.kd_scale = 0.
    losses = student.loss(torch.randn(2, 3, 32, 32), samples())
    assert not calls
    assert losses['loss_kd_seg'].item() == 0
