# Copyright (c) mmbin contributors. All rights reserved.
"""The pinhole camera of the synthetic scenes: NYU-v2 intrinsics, poses and
their rotation matrices.

World frame: y up, metres, the room spanning ``[0, X] x [0, Y] x [0, Z]``.
Camera frame: OpenCV's (x right, y down, z forward), the frame of NYUD's
normal maps.
"""
from typing import NamedTuple, Sequence, Tuple

import numpy as np

__all__ = [
    'MIN_IMAGE_SIDE', 'CameraPose', 'camera_rotation', 'check_image_size',
    'nyu_intrinsics'
]

# Kinect v1 RGB intrinsics used for NYUD-v2 (at 480x640).
NYU_FX, NYU_FY, NYU_CX, NYU_CY = 518.86, 519.47, 325.58, 253.74

#: Smallest image side the generators accept.
MIN_IMAGE_SIDE = 8


class CameraPose(NamedTuple):
    """Where a camera is and where it looks.

    Attributes:
        position (Sequence[float]): Optical centre ``(x, y, z)`` in the
            world frame (metres).
        yaw (float): Heading about the world's up axis (radians; 0 looks
            along +z, positive turns toward +x).
        pitch (float): Elevation of the optical axis (radians; negative
            looks down).
        roll (float): Rotation about the optical axis (radians).
    """
    position: Sequence[float]
    yaw: float
    pitch: float
    roll: float


def check_image_size(size: Sequence[int]) -> Tuple[int, int]:
    """Check an output size.

    Args:
        size (Sequence[int]): ``(H, W)``.

    Returns:
        tuple[int, int]: ``(H, W)`` as ints.

    Raises:
        ValueError: Unless ``size`` is two sides >= :data:`MIN_IMAGE_SIDE`.
    """
    if len(size) != 2 or min(size) < MIN_IMAGE_SIDE:
        raise ValueError(f'size must be (H, W) with both >= '
                         f'{MIN_IMAGE_SIDE}, got {size}')
    return int(size[0]), int(size[1])


def nyu_intrinsics(height: int, width: int) -> Tuple[float, ...]:
    """NYU-v2 pinhole intrinsics scaled to an image of ``height x width``.

    Args:
        height (int): Image height in pixels.
        width (int): Image width in pixels.

    Returns:
        tuple[float]: ``(fx, fy, cx, cy)`` in pixels.
    """
    sx, sy = width / 640.0, height / 480.0
    return (NYU_FX * sx, NYU_FY * sy, NYU_CX * sx, NYU_CY * sy)


def camera_rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation from the camera frame to the world frame.

    Args:
        yaw (float): Heading (radians), see :class:`CameraPose`.
        pitch (float): Elevation (radians).
        roll (float): Roll about the optical axis (radians).

    Returns:
        np.ndarray: (3, 3) float64 matrix whose columns are the camera's x
        (right), y (down) and z (forward) axes in world coordinates.
    """
    f = np.array([np.cos(pitch) * np.sin(yaw), np.sin(pitch),
                  np.cos(pitch) * np.cos(yaw)])
    up = np.array([0.0, 1.0, 0.0])
    r = np.cross(f, up)
    r /= np.linalg.norm(r)
    d = np.cross(f, r)
    cr, sr = np.cos(roll), np.sin(roll)
    r, d = cr * r + sr * d, -sr * r + cr * d
    return np.stack([r, d, f], axis=1)
