# Copyright (c) mmbin contributors. All rights reserved.
"""Synthetic frame sequences: a camera moving smoothly through one
generated room, with every task map per frame.

One scene of the still generator (:func:`~.scene_layout.build_scene`:
room, furniture, materials, lights) is rendered from a sequence of camera
poses with :func:`~.render.render_scene`:

* the camera starts at the pose the scene was planned around
  (``scene.start_pose``: near a wall, looking into the room, with 0.7 m
  kept free around it);
* it then moves along a smooth path (:func:`camera_path`): a forward dolly
  of ``translation`` metres, a sideways sway, a small height bob, a yaw
  pan and a pitch nod, all smooth (sine / cosine) functions of time;
* surface appearance is frozen across frames (the material draws, the
  texture noise and the lighting are re-seeded identically for every
  frame) and the camera response is locked after the first frame
  (exposure, white balance, vignetting and blur,
  :func:`~.sensor.lock_camera_settings`), like a video camera with fixed
  settings; only the sensor noise is drawn anew per frame.

The output extends the NYUD_MT layout: frame ``k`` of sequence ``s`` of a
split is the sample ``<split>_s<s>_f<k>`` in the usual task folders, the
split files list frames in temporal order, and ``sequences.json`` records
each sequence's frames and camera poses (read by
:class:`~mmbin.datasets.VideoMultiTaskDataset`).
"""
import json
import os.path as osp
from multiprocessing import Pool
from typing import Dict, List, Optional, Sequence

import numpy as np

from .camera import CameraPose, check_image_size, nyu_intrinsics
from .render import render_scene
from .scene_layout import build_scene
from .sensor import develop_frame, lock_camera_settings
from .shading import draw_sunlight
from .writer import make_layout, write_sample, write_split_files

__all__ = ['DEFAULT_MOTION', 'camera_path', 'generate_synthetic_video',
           'render_synthetic_sequence']

#: Default camera motion over a whole sequence.
DEFAULT_MOTION = dict(
    translation=0.3,  # forward dolly (m)
    sway=0.08,  # sideways amplitude (m)
    bob=0.02,  # height amplitude (m)
    pan=0.2,  # yaw amplitude (rad)
    nod=0.04)  # pitch amplitude (rad)


def camera_path(start: np.ndarray,
                yaw: float,
                pitch: float,
                roll: float,
                num_frames: int,
                room: Sequence[float],
                motion: Optional[dict] = None,
                phase: float = 0.0) -> List[dict]:
    """A smooth camera path from a start pose.

    With ``s = k / (num_frames - 1)`` the pose of frame ``k`` is::

        position = start + translation * (1 - cos(pi s)) / 2 * forward
                         + sway * sin(2 pi s + phase) * side
                         + bob * sin(4 pi s) * up
        yaw      = yaw0 + pan * sin(pi s + phase)
        pitch    = pitch0 + nod * sin(2 pi s)

    where ``forward`` and ``side`` are horizontal unit vectors along and
    across the initial viewing direction; positions are kept 0.15 m inside
    the room.

    Args:
        start (np.ndarray): Initial position ``(3,)`` (world, y up).
        yaw (float): Initial yaw.
        pitch (float): Initial pitch.
        roll (float): Roll (kept).
        num_frames (int): Number of poses.
        room (Sequence[float]): Room extents ``(X, Y, Z)``.
        motion (dict, optional): Overrides of :data:`DEFAULT_MOTION`.
        phase (float): Phase of the sway and pan.

    Returns:
        list[dict]: ``position`` (list), ``yaw``, ``pitch``, ``roll`` per
        frame.
    """
    m = dict(DEFAULT_MOTION)
    unknown = set(motion or {}) - set(m)
    if unknown:
        raise KeyError(f'camera_path: unknown motion keys {sorted(unknown)};'
                       f' known: {sorted(m)}')
    m.update(motion or {})
    forward = np.array([np.sin(yaw), 0.0, np.cos(yaw)])
    side = np.array([np.cos(yaw), 0.0, -np.sin(yaw)])
    up = np.array([0.0, 1.0, 0.0])
    lo = np.full(3, 0.15)
    hi = np.asarray(room, np.float64) - 0.15
    poses = []
    for k in range(num_frames):
        s = k / max(num_frames - 1, 1)
        p = (np.asarray(start, np.float64) + m['translation'] *
             (1 - np.cos(np.pi * s)) / 2 * forward + m['sway'] *
             np.sin(2 * np.pi * s + phase) * side +
             m['bob'] * np.sin(4 * np.pi * s) * up)
        p = np.clip(p, lo, hi)
        poses.append(
            dict(
                position=p.tolist(),
                yaw=float(yaw + m['pan'] * np.sin(np.pi * s + phase)),
                pitch=float(pitch + m['nod'] * np.sin(2 * np.pi * s)),
                roll=float(roll)))
    return poses


def render_synthetic_sequence(seed_seq,
                              num_frames: int = 16,
                              size: Sequence[int] = (120, 160),
                              motion: Optional[dict] = None,
                              noise_scale: float = 1.0) -> List[dict]:
    """Render one room seen by a smoothly moving camera.

    Args:
        seed_seq (int | Sequence[int]): Seed of the sequence (scene, path
            and noise); the same seed gives the same frames.
        num_frames (int): Frames. Defaults to 16.
        size (Sequence[int]): ``(H, W)``. Defaults to ``(120, 160)``.
        motion (dict, optional): Camera motion, see :func:`camera_path`.
        noise_scale (float): Scale of the per-frame sensor noise (0: none).
            Defaults to 1.0.

    Returns:
        list[dict]: Per frame, like
        :func:`~mmbin.datasets.render_synthetic_scene`:
        ``img``, ``seg``, ``depth``, ``normal``, ``edge``, ``instance`` and
        ``meta`` (room type, intrinsics, pose, frame index).
    """
    if num_frames < 1:
        raise ValueError(f'num_frames must be >= 1, got {num_frames}')
    H, W = int(size[0]), int(size[1])
    root = np.random.SeedSequence(seed_seq)
    scene_ss, surf_ss, shade_ss, cam_ss, path_ss, noise_ss = root.spawn(6)
    rng = np.random.default_rng(scene_ss)
    scene = build_scene(rng)
    start = scene.start_pose
    sun_dir = draw_sunlight(scene, rng)
    phase = float(np.random.default_rng(path_ss).uniform(0, 2 * np.pi))
    poses = camera_path(start.position, start.yaw, start.pitch, start.roll,
                        num_frames, scene.room, motion, phase)
    # The surface pass may add materials and draws them from scene.rng:
    # restore both before every frame so that every frame sees the same
    # surfaces.
    materials = scene.material_state()
    cam_settings = None
    noise_rngs = [
        np.random.default_rng(s) for s in noise_ss.spawn(num_frames)
    ]
    frames = []
    for k, pose in enumerate(poses):
        scene.restore_materials(materials, np.random.default_rng(surf_ss))
        r = render_scene(scene, CameraPose(**pose), (H, W),
                         np.random.default_rng(shade_ss), sun_dir)
        if cam_settings is None:
            cam_settings = lock_camera_settings(
                np.random.default_rng(cam_ss), r['radiance'])
        frames.append(
            dict(
                img=develop_frame(r['radiance'], cam_settings, noise_rngs[k],
                                  noise_scale),
                seg=r['seg'],
                depth=r['depth'],
                normal=r['normal'],
                edge=r['edge'],
                instance=r['instance'],
                meta=dict(
                    room_type=scene.room_type,
                    intrinsics=r['intrinsics'],
                    frame_index=k,
                    camera_position=list(pose['position']),
                    yaw=pose['yaw'],
                    pitch=pose['pitch'],
                    roll=pose['roll'])))
    return frames


def _write_sequence(job) -> dict:
    (out_dir, split, seq, seed_seq, num_frames, size, motion, noise_scale,
     jpeg_quality) = job
    frames = render_synthetic_sequence(seed_seq, num_frames, size, motion,
                                       noise_scale)
    ids = []
    for k, f in enumerate(frames):
        name = f'{split}_s{seq:04d}_f{k:04d}'
        write_sample(out_dir, name, f, jpeg_quality)
        ids.append(name)
    return dict(
        name=f'{split}_s{seq:04d}',
        frames=ids,
        room_type=frames[0]['meta']['room_type'],
        poses=[{
            k: f['meta'][k]
            for k in ('camera_position', 'yaw', 'pitch', 'roll')
        } for f in frames])


def generate_synthetic_video(out_dir: str,
                             num_train: int = 8,
                             num_val: int = 4,
                             num_frames: int = 16,
                             size: Sequence[int] = (120, 160),
                             seed: int = 0,
                             motion: Optional[dict] = None,
                             noise_scale: float = 1.0,
                             workers: int = 1,
                             jpeg_quality: int = 90) -> Dict[str, list]:
    """Write synthetic frame sequences in the NYUD_MT layout.

    Sequence ``k`` of split ``s`` is seeded by ``(seed, 100 + s, k)``, so a
    larger set extends a smaller one and the output does not depend on
    ``workers``.

    Args:
        out_dir (str): Output root (created if needed).
        num_train (int): Training sequences. Defaults to 8.
        num_val (int): Validation sequences. Defaults to 4.
        num_frames (int): Frames per sequence. Defaults to 16.
        size (Sequence[int]): ``(H, W)``. Defaults to ``(120, 160)``.
        seed (int): Global seed. Defaults to 0.
        motion (dict, optional): Camera motion, see :func:`camera_path`.
        noise_scale (float): Sensor noise scale. Defaults to 1.0.
        workers (int): Worker processes. Defaults to 1.
        jpeg_quality (int): JPEG quality. Defaults to 90.

    Returns:
        dict[str, list[str]]: Frame ids per split, in temporal order.
    """
    if num_train < 0 or num_val < 0 or num_frames < 1:
        raise ValueError(f'need num_train, num_val >= 0 and num_frames >= '
                         f'1, got {num_train}, {num_val}, {num_frames}')
    size = check_image_size(size)
    make_layout(out_dir)
    jobs = []
    for split, code, num in (('train', 0, num_train), ('val', 1, num_val)):
        for k in range(num):
            jobs.append((out_dir, split, k, [seed, 100 + code, k],
                         num_frames, size, motion, noise_scale,
                         jpeg_quality))
    if workers > 1 and len(jobs) > 1:
        with Pool(workers) as pool:
            results = pool.map(_write_sequence, jobs)
    else:
        results = [_write_sequence(j) for j in jobs]
    sequences: Dict[str, list] = {'train': [], 'val': []}
    for job, res in zip(jobs, results):
        sequences[job[1]].append(res)
    ids = {
        split: [f for s in sequences[split] for f in s['frames']]
        for split in ('train', 'val')
    }
    write_split_files(out_dir, ids)
    with open(osp.join(out_dir, 'sequences.json'), 'w') as f:
        json.dump(
            dict(
                generator='mmbin.datasets.generate_synthetic_video',
                seed=seed,
                num_frames=num_frames,
                size=list(size),
                intrinsics=list(nyu_intrinsics(*size)),
                motion=dict(DEFAULT_MOTION, **(motion or {})),
                noise_scale=noise_scale,
                sequences=sequences), f, indent=1)
    return ids
