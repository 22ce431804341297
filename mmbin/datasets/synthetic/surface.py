# Copyright (c) mmbin contributors. All rights reserved.
"""Surface attributes at the ray hits of the synthetic scenes.

From the hit parameter, primitive kind and index of
:func:`~.raycast.cast_rays`, :func:`surface_attributes` derives per pixel
the world hit point, the exact unit normal (facing the camera), texture
coordinates ``(u, v)`` in metres on the hit surface, and the class,
instance and material ids. Room faces take the class of a decal (door,
window, picture, ...) painted over the hit point; each wall may get its own
paint, drawn here from the scene's generator.
"""
import numpy as np

from ..nyu40 import NYU40_ID as C

__all__ = ['surface_attributes']


def surface_attributes(scene, cam, t, kind, index, dw):
    """Per-pixel world normal, surface (u, v), class, instance, material.

    Args:
        scene (Scene): The scene; may gain materials (wall paints, floor,
            ceiling) drawn from ``scene.rng``.
        cam (np.ndarray): (3,) float32 optical centre (world).
        t (np.ndarray): (H, W) hit parameters from
            :func:`~.raycast.cast_rays`.
        kind (np.ndarray): (H, W) primitive kinds.
        index (np.ndarray): (H, W) primitive indices.
        dw (np.ndarray): (H, W, 3) world ray directions.

    Returns:
        tuple[np.ndarray]: ``p`` (H, W, 3) world hit points, ``normal``
        (H, W, 3) unit world normals facing the camera, ``uv`` (H, W, 2)
        float32 surface coordinates, ``cls`` (H, W) int32 NYU-40 ids,
        ``inst`` (H, W) int32 instance ids and ``mat`` (H, W) int32
        material indices.
    """
    H, W = t.shape
    p = cam + t[..., None] * dw  # world hit points
    normal = np.zeros((H, W, 3), np.float32)
    uv = np.zeros((H, W, 2), np.float32)
    cls = np.zeros((H, W), np.int32)
    inst = np.zeros((H, W), np.int32)
    mat = np.zeros((H, W), np.int32)

    room_cls = np.array([C['wall'], C['wall'], C['floor'], C['ceiling'],
                         C['wall'], C['wall']])
    m = kind == 0
    face = index[m]
    axis = face // 2
    n = np.zeros((m.sum(), 3), np.float32)
    n[np.arange(len(face)), axis] = np.where(face % 2 == 0, 1.0, -1.0)
    normal[m] = n
    pm = p[m]
    # face (u, v): x-walls (z, y), floor/ceiling (x, z), z-walls (x, y)
    ua = np.array([2, 2, 0, 0, 0, 0])[face]
    va = np.array([1, 1, 2, 2, 1, 1])[face]
    ridx = np.arange(len(face))
    u, v = pm[ridx, ua], pm[ridx, va]
    uv[m] = np.stack([u, v], -1)
    wall_mat = scene.material(C['wall'])
    # each wall may get its own paint in some scenes
    face_mat = np.array([
        wall_mat if scene.rng.random() < 0.7 else scene.material(
            C['wall'], own=True) for _ in range(6)])
    face_mat[2] = scene.material(C['floor'])
    face_mat[3] = scene.material(C['ceiling'])
    rc, ri, rm = room_cls[face], face.astype(np.int32), face_mat[face]
    origin = np.zeros((len(face), 2), np.float32)
    for f, u0, u1, v0, v1, dc, di, dm in scene.decals:
        sel = (face == f) & (u >= u0) & (u < u1) & (v >= v0) & (v < v1)
        rc[sel], ri[sel], rm[sel] = dc, di, dm
        origin[sel] = (u0, v0)
    uv[m] -= origin
    cls[m], inst[m], mat[m] = rc, ri, rm

    for code, prims, n_geom, attributes in (
            (1, scene.boxes, 7, _box_attributes),
            (2, scene.cyls, 5, _cylinder_attributes),
            (3, scene.spheres, 4, _sphere_attributes)):
        if not prims:
            continue
        geom = np.array([g[:n_geom] for g in prims], np.float32)
        meta = np.array([g[n_geom:] for g in prims], np.int32)
        m = kind == code
        idx = index[m]
        normal[m], uv[m] = attributes(geom[idx], p[m])
        cls[m], inst[m], mat[m] = meta[idx, 0], meta[idx, 1], meta[idx, 2]

    # Unit length and facing the camera (d . n < 0).
    normal /= np.maximum(np.linalg.norm(normal, axis=-1, keepdims=True), 1e-8)
    flip = (normal * dw).sum(-1) > 0
    normal[flip] *= -1
    return p, normal, uv, cls, inst, mat


def _box_attributes(b, pm):
    """World normals and face (u, v) at points ``pm`` on oriented boxes
    ``b`` (rows ``cx, cy, cz, hx, hy, hz, yaw``)."""
    c, s = np.cos(b[:, 6]), np.sin(b[:, 6])
    q = pm - b[:, :3]
    lx, lz = c * q[:, 0] - s * q[:, 2], s * q[:, 0] + c * q[:, 2]
    loc = np.stack([lx, q[:, 1], lz], -1)
    rel = np.abs(loc) / b[:, 3:6]
    ax = np.argmax(rel, -1)
    sign = np.sign(loc[np.arange(len(ax)), ax])
    nl = np.zeros_like(loc)
    nl[np.arange(len(ax)), ax] = sign
    # back to world: inverse of the local rotation
    nw = np.stack([c * nl[:, 0] + s * nl[:, 2], nl[:, 1],
                   -s * nl[:, 0] + c * nl[:, 2]], -1)
    ua = np.array([2, 0, 0])[ax]
    va = np.array([1, 2, 1])[ax]
    r = np.arange(len(ax))
    uv = np.stack([loc[r, ua] + b[:, 3:6][r, ua],
                   loc[r, va] + b[:, 3:6][r, va]], -1)
    return nw, uv


def _cylinder_attributes(cy, pm):
    """World normals and (u, v) at points ``pm`` on vertical cylinders
    ``cy`` (rows ``cx, y0, cz, r, height``): side (arc length, height) or
    cap (x, z)."""
    q = pm - np.stack([cy[:, 0], cy[:, 1], cy[:, 2]], -1)
    rad = np.sqrt(q[:, 0]**2 + q[:, 2]**2)
    cap = (np.abs(q[:, 1]) < 1e-3) | (np.abs(q[:, 1] - cy[:, 4]) < 1e-3)
    cap &= rad < cy[:, 3] * 0.999
    nw = np.stack([q[:, 0], np.zeros_like(rad), q[:, 2]], -1) / np.maximum(
        rad, 1e-6)[:, None]
    nw[cap] = np.array([0, 1, 0], np.float32) * np.where(
        q[cap, 1] > 1e-3, 1, -1)[:, None]
    ang = np.arctan2(q[:, 2], q[:, 0]) * cy[:, 3]
    uv = np.where(cap[:, None], q[:, [0, 2]], np.stack([ang, q[:, 1]], -1))
    return nw, uv


def _sphere_attributes(sph, pm):
    """World normals and (u, v) (longitude and latitude arc lengths) at
    points ``pm`` on spheres ``sph`` (rows ``cx, cy, cz, r``)."""
    q = pm - sph[:, :3]
    nw = q / np.linalg.norm(q, axis=-1, keepdims=True)
    r = sph[:, 3]
    uv = np.stack([np.arctan2(q[:, 2], q[:, 0]) * r,
                   np.arcsin(np.clip(nw[:, 1], -1, 1)) * r], -1)
    return nw, uv
