# Copyright (c) mmbin contributors. All rights reserved.
import os.path as osp

import numpy as np
import pytest
import torch
from mmseg.registry import DATASETS, MODELS

from mmbin.datasets.synthetic import (camera_path, generate_synthetic_video,
                                      render_synthetic_sequence)
from mmbin.models.sharing import summarize_records


def video_model(resnet_cfg, side='input', **video):
    cfg = resnet_cfg(threshold=0.5,
                     delta_cfg=dict(activation_side=side))
    cfg['video'] = dict(dict(keyframe_interval=4, temporal_threshold=0.5,
                             cross_task_layers=0.5), **video)
    torch.manual_seed(0)
    model = MODELS.build(cfg).eval()
    for pd in model._param_deltas():  # sub-tasks differ from the base
        with torch.no_grad():
            pd.delta.normal_(0, 0.05)
    return model


def frame(model, img, samples, seq='a', k=0):
    s = samples(1)[0]
    s.set_metainfo(dict(sequence=seq, frame_index=k))
    with torch.no_grad():
        out = model.predict(img, [s])[0]
    return out, summarize_records(model.last_records), \
        list(model.last_records)


def preds(out):
    return [out.pred_sem_seg.data, out.pred_depth_map.data,
            out.pred_normal_map.data, out.pred_edge_map.data]


def test_temporal_reuse_on_two_frames(resnet_cfg, samples):
    model = video_model(resnet_cfg)
    img = torch.randn(1, 3, 32, 32)
    out0, s0, rec0 = frame(model, img, samples, k=0)
    assert out0.metainfo['keyframe']
    assert s0['seg']['eff_macs'] == s0['seg']['dense_macs'] > 0
    assert {r['kind'] for r in rec0 if r['task'] != 'seg'} == {'task'}
    # the keyframe is exactly the image-mode result
    video = model.video_cfg
    model.video_cfg = None
    with torch.no_grad():
        ref = model.predict(img, [out0])[0]
    model.video_cfg = video
    assert all(torch.equal(a, b) for a, b in zip(preds(out0), preds(ref)))

    # frame 1 differs from frame 0 by less than the temporal threshold
    # everywhere: every layer of every task reuses the previous frame
    noisy = img + 0.1 * torch.rand_like(img)
    out1, s1, rec1 = frame(model, noisy, samples, k=1)
    assert not out1.metainfo['keyframe']
    assert all(torch.equal(a, b) for a, b in zip(preds(out0), preds(out1)))
    assert s1['seg']['eff_macs'] == 0
    assert {r['kind'] for r in rec1 if r['task'] == 'seg'} == {'temporal'}
    nnz0 = {(r['task'], r['key']): r['nnz'] for r in rec0}
    for task in model.sub_tasks:
        recs = [r for r in rec1 if r['task'] == task]
        half = len(recs) // 2  # cross_task_layers=0.5
        assert {r['kind'] for r in recs[:half]} == {'task'}
        assert {r['kind'] for r in recs[half:]} == {'temporal'}
        for r in recs:
            if r['kind'] == 'temporal':  # nothing changed since frame 0
                assert r['nnz'] == 0 and r['eff_macs'] == 0
            else:  # the same cross-task delta as on frame 0
                assert r['nnz'] == nnz0[(task, r['key'])]
                assert r['eff_macs'] == pytest.approx(r['dense_macs'] * min(
                    1, r['nnz'] / r['numel'] + r['weight_density']))
        assert recs[0]['key'] == 'backbone.stem.0' and recs[0]['nnz'] == 0

    # a large change in 5 pixels: only those entries pass the threshold
    moved = noisy.clone()
    moved[0, :, 3, 4:9] += 5.0
    out2, s2, rec2 = frame(model, moved, samples, k=2)
    stem = [r for r in rec2
            if r['key'] == 'backbone.stem.0' and r['task'] == 'seg'][0]
    assert stem['kind'] == 'temporal' and stem['nnz'] == 15
    assert 0 < s2['seg']['eff_macs'] < s0['seg']['eff_macs']
    # the reference follows what was computed (frame 1 = frame 0 inputs):
    # the same 5 pixels count again against it on the next frame
    out3, _, rec3 = frame(model, noisy, samples, k=3)
    stem = [r for r in rec3
            if r['key'] == 'backbone.stem.0' and r['task'] == 'seg'][0]
    assert stem['nnz'] == 15
    # frame 4 is a keyframe (interval 4), a new sequence is one too
    out4, s4, _ = frame(model, img, samples, k=4)
    assert out4.metainfo['keyframe']
    assert s4['seg']['eff_macs'] == s0['seg']['eff_macs']
    out5, _, _ = frame(model, img, samples, seq='b', k=1)
    assert out5.metainfo['keyframe']
    out6, _, _ = frame(model, img, samples, seq='b', k=3)  # gap
    assert out6.metainfo['keyframe']


def test_temporal_reuse_on_the_output_side(resnet_cfg, samples):
    """Output-side sharing (the default): a layer's cost is its input
    delta against the previous frame, its output is thresholded against
    the previous frame's output."""
    model = video_model(resnet_cfg, side='output')
    img = torch.randn(1, 3, 32, 32)
    out0, s0, _ = frame(model, img, samples, k=0)
    # every input entry moves by less than the temporal threshold: the stem
    # convolution sees a dense input delta (it pays in full), its output
    # delta falls under the threshold, so nothing after it computes
    noisy = img + 0.1 * torch.rand_like(img)
    out1, s1, rec1 = frame(model, noisy, samples, k=1)
    assert all(torch.equal(a, b) for a, b in zip(preds(out0), preds(out1)))
    seg = [r for r in rec1 if r['task'] == 'seg']
    assert {r['kind'] for r in seg} == {'temporal'}
    assert seg[0]['key'] == 'backbone.stem.0'
    assert seg[0]['nnz'] == seg[0]['numel'] == 3 * 32 * 32
    assert seg[0]['eff_macs'] == seg[0]['dense_macs']
    assert seg[0]['out_nnz'] == 0
    assert all(r['eff_macs'] == 0 and r['nnz'] == 0 for r in seg[1:])
    assert s1['seg']['eff_macs'] == seg[0]['dense_macs']
    for task in model.sub_tasks:
        recs = [r for r in rec1 if r['task'] == task]
        for r in recs:
            if r['kind'] == 'temporal':  # own previous frame: unchanged
                assert r['nnz'] == 0 and r['eff_macs'] == 0
        assert {r['kind'] for r in recs[len(recs) // 2:]} == {'temporal'}


def test_video_config_errors(resnet_cfg):
    with pytest.raises(KeyError, match='video keys'):
        video_model(resnet_cfg, interval=3)
    with pytest.raises(ValueError, match='keyframe_interval'):
        video_model(resnet_cfg, keyframe_interval=0)
    model = video_model(resnet_cfg)
    model.test_cfg['flip'] = True
    with pytest.raises(ValueError, match='video mode'):
        model.predict(torch.randn(1, 3, 32, 32), None)


def test_camera_path_is_smooth_and_inside_the_room():
    poses = camera_path(np.array([1.0, 1.2, 0.5]), 0.2, -0.2, 0.0, 20,
                        (4.0, 2.6, 5.0), dict(translation=0.4))
    pos = np.array([p['position'] for p in poses])
    step = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    assert step.max() < 0.06 and step.min() > 0
    assert (pos > 0.1).all() and (pos < [3.9, 2.5, 4.9]).all()
    yaw = np.array([p['yaw'] for p in poses])
    assert np.abs(np.diff(yaw)).max() < 0.05
    with pytest.raises(KeyError, match='motion'):
        camera_path(pos[0], 0, 0, 0, 3, (4, 3, 4), dict(speed=1))


def test_sequence_renderer_is_deterministic_and_coherent():
    a = render_synthetic_sequence([0, 7], 4, (24, 32))
    b = render_synthetic_sequence([0, 7], 4, (24, 32))
    assert len(a) == 4
    for fa, fb in zip(a, b):
        assert np.array_equal(fa['img'], fb['img'])
        assert fa['img'].shape == (24, 32, 3) and fa['seg'].dtype == np.uint8
        assert np.allclose(np.linalg.norm(fa['normal'], axis=-1), 1,
                           atol=1e-4)
    assert [f['meta']['frame_index'] for f in a] == [0, 1, 2, 3]
    assert a[0]['meta']['room_type'] == a[3]['meta']['room_type']
    # consecutive frames are closer than distant ones
    d01 = np.abs(a[0]['depth'] - a[1]['depth']).mean()
    d03 = np.abs(a[0]['depth'] - a[3]['depth']).mean()
    assert 0 < d01 < d03
    # without sensor noise, frames differ by camera motion only
    still = render_synthetic_sequence([0, 7], 2, (24, 32),
                                      motion=dict(translation=0, sway=0,
                                                  bob=0, pan=0, nod=0),
                                      noise_scale=0)
    assert np.array_equal(still[0]['img'], still[1]['img'])


def test_video_dataset(tmp_path):
    root = str(tmp_path / 'video')
    ids = generate_synthetic_video(root, num_train=1, num_val=2,
                                   num_frames=3, size=(24, 32))
    assert ids['val'][:3] == ['val_s0000_f0000', 'val_s0000_f0001',
                              'val_s0000_f0002']
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadMultiTaskAnnotations'),
        dict(type='PackMultiTaskInputs',
             meta_keys=('img_path', 'ori_shape', 'img_shape', 'sequence',
                        'frame_index')),
    ]
    ds = DATASETS.build(dict(type='VideoMultiTaskDataset', data_root=root,
                             ann_file='gt_sets/val.txt', pipeline=pipeline))
    assert len(ds) == 6
    info = [(ds.get_data_info(i)['sequence'],
             ds.get_data_info(i)['frame_index']) for i in range(6)]
    assert info == [('val_s0000', k) for k in range(3)] + \
        [('val_s0001', k) for k in range(3)]
    sample = ds[4]['data_samples']
    assert sample.metainfo['sequence'] == 'val_s0001'
    assert sample.metainfo['frame_index'] == 1
    assert 'gt_normal_map' in sample and 'gt_edge_map' in sample
    short = DATASETS.build(dict(
        type='VideoMultiTaskDataset', data_root=root,
        ann_file='gt_sets/val.txt', max_frames=2, sequences=['val_s0001']))
    assert [short.get_data_info(i)['sample_id'] for i in range(len(short))
            ] == ['val_s0001_f0000', 'val_s0001_f0001']
    # frames out of temporal order are refused
    with open(osp.join(root, 'gt_sets', 'bad.txt'), 'w') as f:
        f.write('val_s0000_f0001\nval_s0000_f0000\n')
    with pytest.raises(ValueError, match='temporal order'):
        DATASETS.build(dict(type='VideoMultiTaskDataset', data_root=root,
                            ann_file='gt_sets/bad.txt'))
    with pytest.raises(FileNotFoundError, match='sequence index'):
        DATASETS.build(dict(type='VideoMultiTaskDataset', data_root=root,
                            ann_file='gt_sets/val.txt',
                            sequence_file='nope.json'))
