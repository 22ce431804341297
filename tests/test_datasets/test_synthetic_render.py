# Copyright (c) mmbin contributors. All rights reserved.
"""The public scene API of :mod:`mmbin.datasets.synthetic`: build a scene,
render it from a camera pose."""
import numpy as np

from mmbin.datasets.synthetic import (CameraPose, build_scene,
                                      camera_rotation, render_scene,
                                      render_synthetic_scene)

SIZE = (36, 48)


def _scene(seed):
    return build_scene(np.random.default_rng([seed, 0, 0]))


def test_render_scene_matches_the_still_maps():
    """From the pose the layout was planned around, render_scene gives the
    still generator's ground truth (only the appearance is drawn apart)."""
    for seed in range(3):
        scene = _scene(seed)
        assert scene.room_type and isinstance(scene.start_pose, CameraPose)
        r = render_scene(scene, scene.start_pose, SIZE,
                         np.random.default_rng(1))
        still = render_synthetic_scene([seed, 0, 0], SIZE)
        for key in ('seg', 'depth', 'normal', 'edge', 'instance'):
            assert np.array_equal(r[key], still[key]), (seed, key)
        assert r['radiance'].shape == SIZE + (3, )
        assert r['radiance'].dtype == np.float32
        assert np.all(r['radiance'] >= 0) and r['radiance'].max() > 0
        assert r['intrinsics'] == still['meta']['intrinsics']


def test_restored_materials_give_identical_views():
    scene = _scene(4)
    state = scene.material_state()
    pose = scene.start_pose
    renders = []
    for _ in range(2):
        scene.restore_materials(state, np.random.default_rng(7))
        renders.append(
            render_scene(scene, pose, SIZE, np.random.default_rng(8)))
    for key in ('radiance', 'seg', 'depth', 'normal', 'edge'):
        assert np.array_equal(renders[0][key], renders[1][key]), key


def _camera_points(r, pose):
    """World points seen by a rendered view (back-projected depth)."""
    fx, fy, cx, cy = r['intrinsics']
    z = r['depth'].astype(np.float64)
    yy, xx = np.mgrid[0:z.shape[0], 0:z.shape[1]]
    pc = np.stack([(xx + 0.5 - cx) / fx * z, (yy + 0.5 - cy) / fy * z, z],
                  -1)
    R = camera_rotation(pose.yaw, pose.pitch, pose.roll)
    return pc @ R.T + np.asarray(pose.position, np.float64)


def test_render_scene_follows_the_pose():
    """Points seen from a moved and turned camera, projected into the start
    view, land on the same instance at the depth that view measured."""
    size = (60, 80)
    scene = _scene(5)
    a_pose = scene.start_pose
    forward = np.array([np.sin(a_pose.yaw), 0.0, np.cos(a_pose.yaw)])
    b_pose = CameraPose(
        np.asarray(a_pose.position, np.float64) + 0.3 * forward,
        a_pose.yaw + 0.1, a_pose.pitch - 0.05, a_pose.roll)
    a = render_scene(scene, a_pose, size, np.random.default_rng(0))
    b = render_scene(scene, b_pose, size, np.random.default_rng(0))
    assert not np.array_equal(a['depth'], b['depth'])
    world = _camera_points(b, b_pose).reshape(-1, 3)
    Ra = camera_rotation(a_pose.yaw, a_pose.pitch, a_pose.roll)
    qa = (world - np.asarray(a_pose.position, np.float64)) @ Ra
    fx, fy, cx, cy = a['intrinsics']
    u = np.floor(fx * qa[:, 0] / qa[:, 2] + cx).astype(int)
    v = np.floor(fy * qa[:, 1] / qa[:, 2] + cy).astype(int)
    inside = (qa[:, 2] > 0.1) & (u >= 0) & (u < size[1]) & (v >= 0) & (
        v < size[0])
    u, v, qa = u[inside], v[inside], qa[inside]
    same = a['instance'][v, u] == b['instance'].reshape(-1)[inside]
    assert inside.mean() > 0.5 and same.mean() > 0.9
    rel = np.abs(a['depth'][v, u][same] - qa[same, 2]) / qa[same, 2]
    assert np.median(rel) < 0.01 and np.mean(rel < 0.05) > 0.95
