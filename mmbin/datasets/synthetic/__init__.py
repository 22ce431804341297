# Copyright (c) mmbin contributors. All rights reserved.
"""Procedural NYUD-v2 stand-in: ray-cast indoor scenes in the NYUD_MT
layout, as stills (:func:`generate_synthetic_nyud`) or as sequences seen by
a moving camera (:func:`generate_synthetic_video`).

Modules, from the scene to the files: :mod:`.textures` (materials),
:mod:`.scene` (primitives, composite objects), :mod:`.furniture` (object
builders, room types), :mod:`.scene_layout` (:func:`build_scene`),
:mod:`.camera` (intrinsics, poses), :mod:`.raycast`, :mod:`.surface`,
:mod:`.shading`, :mod:`.boundaries`, :mod:`.render`
(:func:`render_scene`: this scene from this camera pose), :mod:`.sensor`
(radiance to 8-bit RGB), :mod:`.writer` (the NYUD_MT layout),
:mod:`.generate` (stills) and :mod:`.video` (sequences).
"""
from .boundaries import instance_boundaries, thin_boundaries
from .camera import (MIN_IMAGE_SIDE, CameraPose, camera_rotation,
                     check_image_size, nyu_intrinsics)
from .generate import generate_synthetic_nyud, render_synthetic_scene
from .render import SceneView, render_scene, task_maps, trace_view
from .scene import Scene, SceneObject
from .scene_layout import build_scene
from .video import (DEFAULT_MOTION, camera_path, generate_synthetic_video,
                    render_synthetic_sequence)

__all__ = [
    'MIN_IMAGE_SIDE', 'CameraPose', 'DEFAULT_MOTION', 'Scene', 'SceneObject',
    'SceneView', 'build_scene', 'camera_path', 'camera_rotation',
    'check_image_size', 'generate_synthetic_nyud', 'generate_synthetic_video',
    'instance_boundaries', 'nyu_intrinsics', 'render_scene',
    'render_synthetic_scene', 'render_synthetic_sequence', 'task_maps',
    'thin_boundaries', 'trace_view'
]
