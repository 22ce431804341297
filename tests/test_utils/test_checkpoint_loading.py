# Copyright (c) mmbin contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn

from mmbin.utils import (CheckpointMismatchError, compare_state_dicts,
                         load_checkpoint_checked)
from mmbin.utils.checkpoint_loading import bare_model, checkpoint_state_dict


def _net(out=3, extra=False):
    layers = [nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.Conv2d(4, out, 1)]
    if extra:
        layers.append(nn.Conv2d(out, out, 1))
    return nn.Sequential(*layers)


def test_compare_counts_every_kind_of_mismatch():
    model = _net(out=3).state_dict()
    ckpt = _net(out=5, extra=True).state_dict()
    del ckpt['0.bias']
    del ckpt['1.num_batches_tracked']  # ignored, as MMEngine does
    result = compare_state_dicts(model, ckpt)
    assert result.missing == ['0.bias']
    assert result.unexpected == ['3.weight', '3.bias']
    assert [s[0] for s in result.shape] == ['2.weight', '2.bias']
    assert result.shape[0][1:] == ((5, 4, 1, 1), (3, 4, 1, 1))
    assert result.num_model == len(model) == 9
    assert len(result.matched) == 5  # 0.weight and BN's four tensors
    assert result.matched_fraction == pytest.approx(5 / 9)
    assert not result.exact
    text = result.describe(limit=2)
    assert text.startswith('5 of 9 model tensors match')
    assert '2.weight: checkpoint [5, 4, 1, 1], model [3, 4, 1, 1]' in text
    assert '... and 3 more' in text
    assert compare_state_dicts(model, _net(out=3).state_dict()).exact


def test_state_dict_keys_revised_and_wrappers_unwrapped():
    state = {'module.a': torch.zeros(1)}
    assert list(checkpoint_state_dict({'state_dict': state})) == ['a']
    assert list(checkpoint_state_dict(state)) == ['a']
    with pytest.raises(TypeError, match='state_dict must be a dict'):
        checkpoint_state_dict({'state_dict': [1, 2]})

    from mmengine.model import BaseTTAModel

    class _TTA(BaseTTAModel):

        def merge_preds(self, data_samples_list):
            return data_samples_list

    inner = _net()
    inner.test_step = lambda data: data  # what BaseTTAModel asks for
    assert bare_model(_TTA(module=inner)) is inner


def test_strict_load_refuses_and_leaves_model_untouched(tmp_path):
    src = _net(out=5)
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': src.state_dict(), 'meta': {}}, path)
    model = _net(out=3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointMismatchError) as err:
        load_checkpoint_checked(model, path, what='test checkpoint')
    msg = str(err.value)
    assert "test checkpoint '" in msg and 'other.pth' in msg
    assert '2.weight: checkpoint [5, 4, 1, 1], model [3, 4, 1, 1]' in msg
    assert err.value.comparison.num_model == 9
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_non_strict_load_copies_what_fits(tmp_path):
    src = _net(out=5)
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': src.state_dict()}, path)
    model = _net(out=3)
    old_head = model[2].weight.clone()
    _, result = load_checkpoint_checked(model, path, strict=False)
    assert torch.equal(model[0].weight, src[0].weight)
    assert torch.equal(model[1].running_mean, src[1].running_mean)
    assert torch.equal(model[2].weight, old_head)  # other shape: kept
    assert [s[0] for s in result.shape] == ['2.weight', '2.bias']


def test_exact_checkpoint_loads(tmp_path):
    src = _net()
    path = str(tmp_path / 'same.pth')
    torch.save({'state_dict': src.state_dict()}, path)
    model = _net()
    _, result = load_checkpoint_checked(model, path)
    assert result.exact
    for k, v in model.state_dict().items():
        assert torch.equal(v, src.state_dict()[k])
