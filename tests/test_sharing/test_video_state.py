# Copyright (c) mmbin contributors. All rights reserved.
"""The keyframe schedule and the checks of the ``video`` and ``init_from``
configs, without a model."""
import pytest
import torch

from mmbin.models.sharing import (SharingContext, VideoState, check_init_from,
                                  check_video_cfg, cross_task_keys)


def _state():
    ctx = SharingContext('seg', ['depth'])
    return ctx, VideoState(ctx)


def _frames(state, cfg, metas):
    return [state.begin_frame(m, cfg) for m in metas]


def test_keyframe_every_interval_and_on_new_sequences():
    ctx, state = _state()
    cfg = check_video_cfg(dict(keyframe_interval=3, temporal_threshold=0.2))
    metas = [dict(sequence='a', frame_index=i) for i in range(7)]
    assert _frames(state, cfg, metas) == [
        True, False, False, True, False, False, True
    ]
    assert ctx.video and ctx.keyframe and ctx.temporal_threshold == 0.2
    # another sequence, and a gap inside one, start over with a keyframe
    ctx.prev[(None, 'layer')] = torch.zeros(1)
    metas = [dict(sequence='b', frame_index=0),
             dict(sequence='b', frame_index=1),
             dict(sequence='b', frame_index=5),
             dict(sequence='b', frame_index=6)]
    assert _frames(state, cfg, metas) == [True, False, True, False]
    assert state.frames_since_key == 1


def test_new_sequence_and_reset_clear_the_previous_frame():
    ctx, state = _state()
    cfg = check_video_cfg(dict(keyframe_interval=8))
    state.begin_frame(dict(sequence='a', frame_index=0), cfg)
    ctx.prev[(None, 'layer')] = torch.zeros(1)
    state.begin_frame(dict(sequence='a', frame_index=1), cfg)
    assert ctx.prev and not ctx.keyframe
    state.begin_frame(dict(sequence='b', frame_index=2), cfg)
    assert ctx.keyframe and not ctx.prev
    ctx.prev[(None, 'layer')] = torch.zeros(1)
    state.reset()
    assert not ctx.prev and state.last == (None, None)
    assert state.begin_frame(dict(sequence='b', frame_index=3), cfg)


def test_samples_without_sequence_keys_are_one_sequence():
    _, state = _state()
    cfg = check_video_cfg(dict(keyframe_interval=2))
    assert _frames(state, cfg, [{}, {}, {}, {}]) == [True, False, True, False]


def test_video_cfg_defaults_and_errors():
    assert check_video_cfg(None) is None
    assert check_video_cfg({}) == dict(keyframe_interval=8,
                                       temporal_threshold=0.05,
                                       cross_task_layers=0.5)
    with pytest.raises(KeyError, match='unknown video keys'):
        check_video_cfg(dict(interval=2))
    with pytest.raises(ValueError, match='keyframe_interval'):
        check_video_cfg(dict(keyframe_interval=0))
    with pytest.raises(ValueError, match='cross_task_layers'):
        check_video_cfg(dict(cross_task_layers=1.5))


def test_cross_task_keys_by_fraction_and_pattern():
    order = ['backbone.stem.0', 'backbone.layer1.0.conv1',
             'backbone.layer2.0.conv1', 'backbone.layer3.0.conv1']
    assert cross_task_keys(order, 0.5) == set(order[:2])
    assert cross_task_keys(order, 0) == set()
    assert cross_task_keys(order, ['backbone.layer[23]*']) == set(order[2:])


def test_init_from_checks():
    tasks = ('seg', 'depth')
    assert check_init_from(None, tasks, 'seg') is None
    entries = dict(seg=dict(checkpoint='a.pth'), depth=dict(checkpoint='b'))
    checked = check_init_from(dict(single_task=entries), tasks, 'seg')
    assert checked == dict(single_task=entries)
    checked['single_task']['seg']['checkpoint'] = 'changed'
    assert entries['seg']['checkpoint'] == 'a.pth'  # a copy
    with pytest.raises(KeyError, match='exactly one'):
        check_init_from(dict(single_task=entries,
                             previous_step=dict(checkpoint='c')), tasks,
                        'seg')
    with pytest.raises(KeyError, match="base task 'seg'"):
        check_init_from(dict(single_task=dict(depth=dict(checkpoint='b'))),
                        tasks, 'seg')
    with pytest.raises(KeyError, match='no "checkpoint"'):
        check_init_from(dict(previous_step=dict(config='x.py')), tasks,
                        'seg')
