# Copyright (c) mmbin contributors. All rights reserved.
"""Ground truth that cannot be right is marked invalid with a warning that
names the file (once per file); broken images fail naming the file."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmseg.registry import TRANSFORMS

import mmbin.datasets.transforms.loading as loading
from mmbin.datasets import NYUDMultiTaskDataset
from mmbin.datasets.transforms import LoadImageFromFile, MultiTaskDataError
from mmbin.datasets.transforms.image_loading import jpeg_is_truncated

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadMultiTaskAnnotations')]


@pytest.fixture
def warnings_log(monkeypatch):
    """The ground-truth warnings, captured (and a fresh once-per-file
    memory)."""
    seen = []
    monkeypatch.setattr(loading, '_WARNED_FILES', set())
    monkeypatch.setattr(
        loading, 'print_log',
        lambda msg, logger=None, level=None: seen.append((msg, level)))
    return seen


def _ds(root):
    return NYUDMultiTaskDataset(data_root=root, pipeline=LOAD)


def test_absurd_and_nan_depth_warns_once_and_is_invalid(
        nyud_tree, warnings_log):
    d = np.full((12, 16), 2.0, np.float32)
    d[0, :3] = 3e38
    d[1, 0] = np.nan
    d[2, 0] = -1
    path = osp.join(nyud_tree, 'depth', 'a.npy')
    np.save(path, d)
    ds = _ds(nyud_tree)
    depth = ds[0]['gt_depth_map']
    assert np.all(depth[0, :3] == 0) and depth[1, 0] == 0 and depth[2, 0] == 0
    assert np.all(depth[3:] == 2)
    assert len(warnings_log) == 1
    msg, level = warnings_log[0]
    assert msg.startswith(path)
    assert '3 of 192 pixels above max_depth=1000 m (largest 3e+38)' in msg
    assert '1 of 192 pixels NaN or infinite' in msg
    assert '1 of 192 pixels negative' in msg
    assert 'marked invalid (0, ignored by the depth loss and metric)' in msg
    assert level == 30  # logging.WARNING
    ds[0]  # the same file again: no second warning
    assert len(warnings_log) == 1


def test_all_nan_normal_map_warns(nyud_tree, warnings_log):
    path = osp.join(nyud_tree, 'normals', 'b.npy')
    np.save(path, np.full((12, 16, 3), np.nan, np.float32))
    normal = _ds(nyud_tree)[1]['gt_normal_map']
    assert np.all(normal == 0)
    [(msg, _)] = warnings_log
    assert msg.startswith(path)
    assert '192 of 192 pixels (all) with NaN or infinite components' in msg
    assert 'zero vector, ignored by the normal loss and metric' in msg


def test_overflowing_normals_warn(nyud_tree, warnings_log):
    n = np.zeros((12, 16, 3), np.float32)
    n[..., 2] = -1
    n[0, 0] = 3e38
    np.save(osp.join(nyud_tree, 'normals', 'c.npy'), n)
    normal = _ds(nyud_tree)[2]['gt_normal_map']
    assert np.all(normal[0, 0] == 0)
    assert np.allclose(normal[5, 5], [0, 0, -1])
    [(msg, _)] = warnings_log
    assert '1 of 192 pixels with absurdly long vectors' in msg


def test_clean_maps_do_not_warn(nyud_tree, warnings_log):
    ds = _ds(nyud_tree)
    for i in range(len(ds)):
        ds[i]
    assert warnings_log == []


def test_max_depth_must_be_positive():
    with pytest.raises(ValueError, match='max_depth must be > 0'):
        TRANSFORMS.build(dict(type='LoadMultiTaskAnnotations', max_depth=0))


# -- images ------------------------------------------------------------------
def test_registry_gives_mmbin_loader_in_mmseg_scope():
    t = TRANSFORMS.build(dict(type='LoadImageFromFile'))
    assert type(t) is LoadImageFromFile
    assert isinstance(t, MMCVLoadImageFromFile)


@pytest.mark.parametrize('kwargs', [{}, dict(to_float32=True),
                                    dict(color_type='grayscale')])
def test_good_image_loads_as_mmcv_does(nyud_tree, kwargs):
    info = dict(img_path=osp.join(nyud_tree, 'images', 'a.jpg'))
    ours = LoadImageFromFile(**kwargs)(dict(info))
    ref = MMCVLoadImageFromFile(**kwargs)(dict(info))
    assert ours.keys() == ref.keys()
    assert ours['img'].dtype == ref['img'].dtype
    np.testing.assert_array_equal(ours['img'], ref['img'])
    assert ours['ori_shape'] == ref['ori_shape'] == (12, 16)


def test_corrupt_jpeg_names_file_and_fix(nyud_tree):
    path = osp.join(nyud_tree, 'images', 'b.jpg')
    open(path, 'wb').write(b'\xff\xd8 not a jpeg')
    with pytest.raises(MultiTaskDataError) as err:
        _ds(nyud_tree)[1]
    msg = str(err.value)
    assert msg.startswith(path) and 'cannot load the image' in msg
    assert 'failed to load image' not in msg
    assert 'download, extract or generate the data set again' in msg


def test_truncated_jpeg_is_an_error(tmp_path):
    img = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(
        np.uint8)
    ok, buf = cv2.imencode('.jpg', img)
    data = buf.tobytes()
    assert not jpeg_is_truncated(data)
    path = str(tmp_path / 'cut.jpg')
    open(path, 'wb').write(data[:len(data) // 2])
    with pytest.raises(MultiTaskDataError,
                       match=r'cut\.jpg: cannot load the image: the JPEG '
                       r'data ends early'):
        LoadImageFromFile()(dict(img_path=path))
    assert LoadImageFromFile(ignore_empty=True)(dict(img_path=path)) is None


def test_png_is_not_checked_as_jpeg(tmp_path):
    ok, buf = cv2.imencode('.png', np.zeros((4, 4), np.uint8))
    assert not jpeg_is_truncated(buf.tobytes())


def test_missing_image_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        LoadImageFromFile()(dict(img_path=str(tmp_path / 'nope.jpg')))
