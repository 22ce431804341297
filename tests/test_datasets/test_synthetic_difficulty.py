# Copyright (c) mmbin contributors. All rights reserved.
"""The synthetic stills' optional difficulty and held-out test split."""
import json
import os.path as osp

import numpy as np
import pytest

from mmbin.datasets.synthetic import (generate_synthetic_nyud,
                                      render_synthetic_scene)
from mmbin.datasets.synthetic.difficulty import (DIFFICULTY_OPTIONS,
                                                 parse_difficulty)

SIZE = (48, 64)


def test_parse_difficulty():
    assert parse_difficulty(None) is None
    assert parse_difficulty(0) is None
    assert parse_difficulty({'noise': 0.0}) is None
    assert parse_difficulty(0.5) == {k: 0.5 for k in DIFFICULTY_OPTIONS}
    assert parse_difficulty({'blur': 1})['blur'] == 1.0
    assert parse_difficulty({'blur': 1})['texture'] == 0.0
    with pytest.raises(ValueError, match="unknown option.*'fog'"):
        parse_difficulty({'fog': 0.5})
    with pytest.raises(ValueError, match="'noise': level must be in"):
        parse_difficulty({'noise': 1.5})


def test_difficulty_changes_images_not_labels_and_is_deterministic():
    plain = render_synthetic_scene([3, 0, 1], SIZE)
    hard = render_synthetic_scene([3, 0, 1], SIZE, difficulty=0.8)
    again = render_synthetic_scene([3, 0, 1], SIZE, difficulty=0.8)
    # off (None, 0) is exactly the default image
    off = render_synthetic_scene([3, 0, 1], SIZE, difficulty=0.0)
    np.testing.assert_array_equal(off['img'], plain['img'])
    # the image changes a lot, the labels not at all
    diff = np.abs(hard['img'].astype(int) - plain['img'].astype(int))
    assert diff.mean() > 5, diff.mean()
    for key in ('seg', 'depth', 'normal', 'edge', 'instance'):
        np.testing.assert_array_equal(hard[key], plain[key])
    assert hard['img'].dtype == np.uint8 and hard['img'].shape == SIZE + (3, )
    # deterministic per seed; another scene seed gives another image
    np.testing.assert_array_equal(hard['img'], again['img'])
    other = render_synthetic_scene([3, 0, 2], SIZE, difficulty=0.8)
    assert not np.array_equal(other['img'], hard['img'])
    # each option on its own changes the image
    for option in DIFFICULTY_OPTIONS:
        one = render_synthetic_scene([3, 0, 1], SIZE,
                                     difficulty={option: 1.0})
        assert not np.array_equal(one['img'], plain['img']), option


def test_test_split_and_manifest(tmp_path):
    out = str(tmp_path / 'd')
    ids = generate_synthetic_nyud(out, num_train=2, num_val=1, num_test=2,
                                  size=SIZE, seed=5, difficulty={'blur': .5})
    assert ids['test'] == ['test_000000', 'test_000001']
    with open(osp.join(out, 'gt_sets', 'test.txt')) as f:
        assert f.read().split() == ids['test']
    with open(osp.join(out, 'synthetic_nyud.json')) as f:
        manifest = json.load(f)
    assert manifest['num_test'] == 2
    assert manifest['difficulty']['blur'] == 0.5
    # test scenes have seeds of their own: none equals a train/val scene
    imgs = [render_synthetic_scene([5, c, k], SIZE)['seg']
            for c, k in ((0, 0), (0, 1), (1, 0))]
    test_seg = render_synthetic_scene([5, 2, 0], SIZE)['seg']
    assert all(not np.array_equal(test_seg, s) for s in imgs)
    with pytest.raises(ValueError, match='num_test must be >= 0'):
        generate_synthetic_nyud(out, num_test=-1, size=SIZE)
