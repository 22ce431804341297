# Copyright (c) mmbin contributors. All rights reserved.
"""Render a synthetic scene from a camera pose.

:func:`render_scene` is the public entry: it ray-casts the scene from a
:class:`~.camera.CameraPose` (:func:`trace_view`), shades it
(:func:`shade_view`) and returns the task maps in NYUD's conventions
(:func:`task_maps`) with the linear radiance, which a sensor model of
:mod:`.sensor` turns into an 8-bit image. The still generator
(:func:`~.generate.render_synthetic_scene`) calls the three steps itself to
draw the sunlight in between, the video generator
(:func:`~.video.render_synthetic_sequence`) calls :func:`render_scene` once
per frame.
"""
from typing import NamedTuple, Optional, Sequence

import numpy as np

from .boundaries import instance_boundaries
from .camera import CameraPose, camera_rotation, nyu_intrinsics
from .raycast import cast_rays
from .shading import shade
from .surface import surface_attributes

__all__ = ['SceneView', 'render_scene', 'shade_view', 'task_maps',
           'trace_view']


class SceneView(NamedTuple):
    """What one camera sees of a scene, per pixel, before shading.

    Attributes:
        position (np.ndarray): (3,) float32 optical centre (world).
        rotation (np.ndarray): (3, 3) camera-to-world rotation.
        intrinsics (tuple[float]): ``(fx, fy, cx, cy)`` in pixels.
        depth (np.ndarray): (H, W) depth along the optical axis (metres).
        points (np.ndarray): (H, W, 3) world hit points.
        normal (np.ndarray): (H, W, 3) unit world normals facing the camera.
        uv (np.ndarray): (H, W, 2) surface coordinates (metres).
        cls (np.ndarray): (H, W) int32 NYU-40 ids (0 void).
        instance (np.ndarray): (H, W) int32 instance ids.
        material (np.ndarray): (H, W) int32 material indices.
    """
    position: np.ndarray
    rotation: np.ndarray
    intrinsics: tuple
    depth: np.ndarray
    points: np.ndarray
    normal: np.ndarray
    uv: np.ndarray
    cls: np.ndarray
    instance: np.ndarray
    material: np.ndarray


def trace_view(scene, pose: CameraPose, size: Sequence[int]) -> SceneView:
    """Ray-cast ``scene`` from ``pose`` with NYU intrinsics.

    Args:
        scene (Scene): The scene; its surface pass may draw materials from
            ``scene.rng`` (see :meth:`~.scene.Scene.restore_materials` to
            render several views with identical surfaces).
        pose (CameraPose): The camera.
        size (Sequence[int]): ``(H, W)``.

    Returns:
        SceneView: The per-pixel geometry and labels.
    """
    H, W = int(size[0]), int(size[1])
    cam = np.asarray(pose.position, np.float32)
    R = camera_rotation(pose.yaw, pose.pitch, pose.roll)
    K = nyu_intrinsics(H, W)
    t, kind, index, dw = cast_rays(scene, cam, R, K, H, W)
    p, normal_w, uv, cls, inst, mat = surface_attributes(
        scene, cam, t, kind, index, dw)
    return SceneView(cam, R, K, t, p, normal_w, uv, cls, inst, mat)


def shade_view(scene,
               view: SceneView,
               rng: np.random.Generator,
               sun_dir: Optional[np.ndarray] = None) -> np.ndarray:
    """Linear radiance of a view, see :func:`~.shading.shade`.

    Args:
        scene (Scene): The scene.
        view (SceneView): From :func:`trace_view`.
        rng (np.random.Generator): Draws texture noise and light levels.
        sun_dir (np.ndarray, optional): Direction toward the sun, or None.

    Returns:
        np.ndarray: (H, W, 3) float32 radiance.
    """
    return shade(scene, rng, view.position, view.points, view.normal,
                 view.uv, view.material, sun_dir)


def task_maps(view: SceneView) -> dict:
    """The ground-truth maps of a view in NYUD's conventions.

    Args:
        view (SceneView): From :func:`trace_view`.

    Returns:
        dict: ``seg`` (H, W) uint8 NYU-40 ids (0 void), ``depth`` (H, W)
        float32 metres along the optical axis, ``normal`` (H, W, 3) float32
        unit normals in the OpenCV camera frame (x right, y down, z
        forward), ``edge`` (H, W) uint8 0/1 thin instance boundaries and
        ``instance`` (H, W) int32.
    """
    normal_c = (view.normal @ view.rotation.astype(np.float32)).astype(
        np.float32)
    normal_c /= np.linalg.norm(normal_c, axis=-1, keepdims=True)
    return dict(
        seg=view.cls.astype(np.uint8),
        depth=view.depth.astype(np.float32),
        normal=normal_c,
        edge=instance_boundaries(view.instance).astype(np.uint8),
        instance=view.instance)


def render_scene(scene,
                 pose: CameraPose,
                 size: Sequence[int],
                 rng: np.random.Generator,
                 sun_dir: Optional[np.ndarray] = None) -> dict:
    """Render this scene from this camera pose.

    Args:
        scene (Scene): From :func:`~.scene_layout.build_scene`.
        pose (CameraPose): The camera (``scene.start_pose`` is the one the
            layout was planned around).
        size (Sequence[int]): ``(H, W)``.
        rng (np.random.Generator): Draws the texture noise and light levels
            (the same state gives the same appearance).
        sun_dir (np.ndarray, optional): Direction toward the sun
            (:func:`~.shading.draw_sunlight`), or None.

    Returns:
        dict: The maps of :func:`task_maps`, plus ``radiance`` (H, W, 3)
        float32 linear RGB and ``intrinsics`` (list of fx, fy, cx, cy).
    """
    view = trace_view(scene, pose, size)
    radiance = shade_view(scene, view, rng, sun_dir)
    return dict(
        radiance=radiance, intrinsics=list(view.intrinsics),
        **task_maps(view))
