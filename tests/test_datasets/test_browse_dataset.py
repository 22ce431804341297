# Copyright (c) mmbin contributors. All rights reserved.
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from _helpers.tool_runs import load_script

from mmbin.visualization import (browse_dataset, colorbar, depth_to_rgb,
                                 depth_with_scale, edges_to_rgb,
                                 labels_to_rgb, normals_to_rgb, tile_panels)


def _load_tool(repo_root):
    return load_script('tools/misc/browse_dataset.py')


def test_renderings():
    depth = np.array([[0, 1], [2, np.nan]], np.float32)
    rgb, vmin, vmax = depth_to_rgb(depth)
    assert (vmin, vmax) == (1, 2)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert (rgb[0, 0] == 0).all() and (rgb[1, 1] == 0).all()  # invalid
    assert not np.array_equal(rgb[0, 1], rgb[1, 0])
    assert depth_with_scale(np.ones((40, 30)) * 3).shape == (40, 94, 3)
    assert colorbar(50, 0, 10).shape == (50, 64, 3)
    n = np.zeros((3, 1, 2), np.float32)
    n[:, 0, 0] = (0, 0, -1)
    assert normals_to_rgb(n)[0, 0].tolist() == [127, 127, 0]
    assert normals_to_rgb(n)[0, 1].tolist() == [0, 0, 0]
    e = edges_to_rgb(np.array([[0, 1, 255]]))
    assert e[0, 1].tolist() == [255] * 3 and e[0, 2].tolist() == [96] * 3
    lab = labels_to_rgb(np.array([[0, 1, 255]]), [(1, 2, 3), (4, 5, 6)])
    assert lab[0].tolist() == [[1, 2, 3], [4, 5, 6], [0, 0, 0]]
    tiled = tile_panels([('a', np.zeros((4, 5, 3), np.uint8)),
                         ('b', np.zeros((6, 7, 3), np.uint8))])
    assert tiled.shape == (6 + 18, 5 + 4 + 7, 3)


def test_browse_dataset_writes_one_png_per_sample(tiny_nyud, tmp_path,
                                                  repo_root, monkeypatch):
    """Runs the tool's main() in-process (a subprocess would pay the whole
    torch/mmseg import again)."""
    tool = _load_tool(repo_root)
    out = tmp_path / 'browse'
    monkeypatch.setattr(sys, 'argv', [
        'browse_dataset.py',
        osp.join(repo_root, 'configs', '_base_', 'datasets',
                 'synthetic_nyud.py'), '--output-dir',
        str(out), '--num', '2', '--phase', 'train', '--data-root', tiny_nyud,
        '--cfg-options',
        'train_dataloader.dataset.pipeline.3.crop_size=(48,64)'
    ])
    tool.main()
    files = sorted(p.name for p in out.iterdir())
    assert files == ['train_000000.png', 'train_000001.png']
    img = cv2.imread(str(out / files[0]))
    # image, semantic, depth (+ scale bar), normals, boundaries
    assert img.shape[0] == 48 + 18
    assert img.shape[1] == 5 * 64 + 64 + 4 * 4


def test_browse_dataset_api_and_bad_arguments(tiny_nyud, tmp_path,
                                              repo_root, capsys):
    config = osp.join(repo_root, 'configs', '_base_', 'datasets',
                      'synthetic_nyud.py')
    written = browse_dataset(
        config, str(tmp_path / 'val'), num=10, phase='val',
        data_root=tiny_nyud)
    # 4 validation scenes: fewer files than asked for
    assert [osp.basename(p) for p in written] == [
        f'val_{i:06d}.png' for i in range(4)
    ]
    assert all(osp.isfile(p) for p in written)
    with pytest.raises(ValueError, match='num must be >= 1, got 0'):
        browse_dataset(config, str(tmp_path / 'x'), num=0)
    with pytest.raises(ValueError, match="phase must be one of.*'dev'"):
        browse_dataset(config, str(tmp_path / 'x'), phase='dev')

    tool = _load_tool(repo_root)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        tool.parse_args([config, '--output-dir', 'o', '--num', '0'])
    assert exit_info.value.code == 2
    assert "argument --num: must be an integer >= 1, got '0'" in \
        capsys.readouterr().err

    with pytest.raises(SystemExit, match='nope.py.*does not exist'):
        tool.main([str(tmp_path / 'nope.py'), '--output-dir', 'o'])
