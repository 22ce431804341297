# Copyright (c) mmbin contributors. All rights reserved.
"""The procedural NYUD-v2 stand-in: one still per scene, written in the
NYUD_MT layout.

Each scene is a furnished room (:func:`~.scene_layout.build_scene`) seen
from the pose it was planned around, ray-cast exactly
(:func:`~.render.trace_view`), shaded (:func:`~.render.shade_view`) and
developed by a still camera (:func:`~.sensor.develop_still`); see
``docs/data.md`` for what the scenes contain. Every scene is seeded by
``(seed, split, index)``, so the output is deterministic and independent
of the number of scenes or worker processes.
"""
import json
import os.path as osp
from multiprocessing import Pool
from typing import Dict, Sequence

import numpy as np

from .camera import check_image_size, nyu_intrinsics
from .difficulty import apply_difficulty, difficulty_rng, parse_difficulty
from .render import shade_view, task_maps, trace_view
from .scene_layout import build_scene
from .sensor import develop_still
from .shading import draw_sunlight
from .writer import make_layout, write_sample, write_split_files

__all__ = ['generate_synthetic_nyud', 'render_synthetic_scene']


def render_synthetic_scene(seed_seq, size=(240, 320), difficulty=None):
    """Render one synthetic NYUD-like scene.

    Args:
        seed_seq (int | Sequence[int] | np.random.SeedSequence): Seed of the
            scene; the same seed always gives the same scene.
        size (tuple[int, int]): Output ``(H, W)``.
        difficulty (float | dict, optional): Image difficulty
            (:func:`~.difficulty.parse_difficulty`): harder images of the
            same scene and labels. ``None`` (default): off, the image is
            exactly the one without this option.

    Returns:
        dict: ``img`` (H, W, 3) uint8 RGB, ``seg`` (H, W) uint8 NYU-40 ids
        (0 void), ``depth`` (H, W) float32 metres, ``normal`` (H, W, 3)
        float32 unit normals in the OpenCV camera frame, ``edge`` (H, W)
        uint8 0/1, ``instance`` (H, W) int32 and ``meta`` (dict).
    """
    H, W = int(size[0]), int(size[1])
    rng = np.random.default_rng(seed_seq)
    scene = build_scene(rng)
    pose = scene.start_pose
    # One generator for everything, in this order: the surface pass (which
    # may draw wall paints from it), the sunlight, the shading, the sensor.
    view = trace_view(scene, pose, (H, W))
    sun_dir = draw_sunlight(scene, rng)
    radiance = shade_view(scene, view, rng, sun_dir)
    levels = parse_difficulty(difficulty)
    if levels is not None:
        radiance = apply_difficulty(levels, difficulty_rng(seed_seq),
                                    radiance, view.instance)
    img = develop_still(rng, radiance)
    meta = dict(room_type=scene.room_type, intrinsics=list(view.intrinsics),
                camera_position=pose.position.tolist(), yaw=float(pose.yaw),
                pitch=float(pose.pitch), roll=float(pose.roll))
    return dict(img=img, **task_maps(view), meta=meta)


def _write_one(job):
    out_dir, name, seed_seq, size, jpeg_quality, difficulty = job
    s = render_synthetic_scene(seed_seq, size, difficulty)
    write_sample(out_dir, name, s, jpeg_quality)
    return name, s['meta']['room_type']


def generate_synthetic_nyud(out_dir: str,
                            num_train: int = 200,
                            num_val: int = 50,
                            size: Sequence[int] = (240, 320),
                            seed: int = 0,
                            workers: int = 1,
                            jpeg_quality: int = 90,
                            progress: bool = False,
                            num_test: int = 0,
                            difficulty=None) -> Dict[str, list]:
    """Write a synthetic dataset in the NYUD_MT layout.

    Layout: ``images/<id>.jpg``, ``segmentation/<id>.png`` (uint8 NYU-40 ids,
    0 void), ``depth/<id>.npy`` (float32 metres), ``normals/<id>.npy``
    (HxWx3 float32), ``edge/<id>.npy`` (HxW uint8 0/1) and
    ``gt_sets/{train,val}.txt`` (and ``test.txt`` with ``num_test``), plus
    ``synthetic_nyud.json`` recording the
    generator arguments and camera intrinsics.

    Scene ``k`` of split ``s`` is seeded by ``(seed, s, k)`` (``s`` 0 for
    train, 1 for val, 2 for test), so a larger set extends a smaller one,
    the three splits never share a scene, and the result does not depend on
    ``workers``.

    Args:
        out_dir (str): Output root (created if needed).
        num_train (int): Number of training scenes. Defaults to 200.
        num_val (int): Number of validation scenes. Defaults to 50.
        size (Sequence[int]): ``(H, W)`` of every map. Defaults to
            ``(240, 320)``.
        seed (int): Global seed. Defaults to 0.
        workers (int): Worker processes. Defaults to 1.
        jpeg_quality (int): JPEG quality of the images. Defaults to 90.
        progress (bool): Print progress. Defaults to False.
        num_test (int): Held-out test scenes (``gt_sets/test.txt``, seeds
            of their own). Defaults to 0 (no test split).
        difficulty (float | dict, optional): Image difficulty of every
            scene (:func:`~.difficulty.parse_difficulty`); ``None``
            (default): off.

    Returns:
        dict[str, list[str]]: The ids written for ``'train'`` and ``'val'``
        (and ``'test'`` when ``num_test`` > 0).
    """
    if num_train < 0 or num_val < 0 or num_test < 0:
        raise ValueError(f'num_train, num_val and num_test must be >= 0, '
                         f'got {num_train}, {num_val} and {num_test}')
    size = check_image_size(size)
    levels = parse_difficulty(difficulty)
    make_layout(out_dir)
    jobs, ids = [], {'train': [], 'val': []}
    splits = [('train', 0, num_train), ('val', 1, num_val)]
    if num_test:
        ids['test'] = []
        splits.append(('test', 2, num_test))
    for split, code, num in splits:
        for k in range(num):
            name = f'{split}_{k:06d}'
            ids[split].append(name)
            jobs.append((out_dir, name, [seed, code, k], size, jpeg_quality,
                         levels))
    done = 0
    if workers > 1 and len(jobs) > 1:
        with Pool(workers) as pool:
            for _ in pool.imap_unordered(_write_one, jobs, chunksize=4):
                done += 1
                if progress and done % 50 == 0:
                    print(f'{done}/{len(jobs)} scenes', flush=True)
    else:
        for job in jobs:
            _write_one(job)
            done += 1
            if progress and done % 50 == 0:
                print(f'{done}/{len(jobs)} scenes', flush=True)
    write_split_files(out_dir, ids)
    # the optional keys only when used: the default manifest is unchanged
    extra = {}
    if num_test:
        extra['num_test'] = num_test
    if levels is not None:
        extra['difficulty'] = levels
    with open(osp.join(out_dir, 'synthetic_nyud.json'), 'w') as f:
        json.dump(dict(generator='mmbin.datasets.generate_synthetic_nyud',
                       seed=seed, num_train=num_train, num_val=num_val,
                       **extra, size=list(size),
                       intrinsics=list(nyu_intrinsics(*size)),
                       normal_frame='OpenCV camera frame: x right, y down, '
                       'z forward; normals face the camera',
                       depth='metres along the optical axis'), f, indent=2)
    return ids
