# Copyright (c) mmbin contributors. All rights reserved.
"""Exact ray casting of the synthetic scenes.

One ray per pixel centre of a pinhole camera is intersected analytically
with the room box (exit point), oriented boxes (slab test in the box's
frame), vertical cylinders (side quadric and the cap facing the camera)
and spheres; the nearest hit wins. Each primitive is only tested on the
pixel rectangle its bounding box projects to, which keeps the cost close to
the number of covered pixels. Everything is numpy-vectorised over pixels.

Written for this generator: it needs exact, per-pixel depth and primitive
ids on a CPU with numpy only, which no dependency of mmbin provides.
"""
import numpy as np

__all__ = ['cast_rays']

_EPS = 1e-4  # smallest accepted ray parameter (metres along the ray)


def _screen_rect(corners_w, cam, R, K, H, W):
    """Pixel rectangle (y0, y1, x0, x1) covering world points, or the full
    image if a point is behind (or too close to) the camera."""
    pc = (corners_w - cam) @ R  # camera coordinates
    if np.any(pc[:, 2] < 0.05):
        return 0, H, 0, W
    fx, fy, cx, cy = K
    u = fx * pc[:, 0] / pc[:, 2] + cx
    v = fy * pc[:, 1] / pc[:, 2] + cy
    x0, x1 = int(max(np.floor(u.min()) - 1, 0)), int(min(np.ceil(u.max()) + 2,
                                                         W))
    y0, y1 = int(max(np.floor(v.min()) - 1, 0)), int(min(np.ceil(v.max()) + 2,
                                                         H))
    return y0, max(y1, y0), x0, max(x1, x0)


def _box_corners(cx, cy, cz, hx, hy, hz, yaw):
    """(8, 3) world corners of an oriented box."""
    s = np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1)
                  for k in (-1, 1)], np.float64)
    p = s * np.array([hx, hy, hz])
    c, sn = np.cos(yaw), np.sin(yaw)
    x = c * p[:, 0] + sn * p[:, 2]
    z = -sn * p[:, 0] + c * p[:, 2]
    return np.stack([x + cx, p[:, 1] + cy, z + cz], 1)


def cast_rays(scene, cam, R, K, H, W):
    """Nearest hit per pixel centre.

    Args:
        scene (Scene): The scene.
        cam (np.ndarray): (3,) float32 optical centre (world).
        R (np.ndarray): (3, 3) camera-to-world rotation
            (:func:`~.camera.camera_rotation`).
        K (tuple[float]): ``(fx, fy, cx, cy)`` in pixels.
        H (int): Image height.
        W (int): Image width.

    Returns:
        tuple[np.ndarray]: ``t`` (H, W) float32 ray parameter of the hit,
        which is the depth along the optical axis as the camera-frame ray
        directions have z = 1; ``kind`` (H, W) int8 primitive kind (0 room,
        1 box, 2 cylinder, 3 sphere); ``index`` (H, W) int32 index in the
        scene's list of that kind (the face id 0..5 for the room); ``dw``
        (H, W, 3) float32 world ray directions.
    """
    fx, fy, cx, cy = K
    us = (np.arange(W, dtype=np.float32) + 0.5 - cx) / fx
    vs = (np.arange(H, dtype=np.float32) + 0.5 - cy) / fy
    dc = np.stack(np.broadcast_arrays(us[None, :], vs[:, None],
                                      np.ones((H, W), np.float32)), -1)
    dw = (dc @ R.T.astype(np.float32)).astype(np.float32)  # (H, W, 3)
    # room: exit point of the box [0, X] x [0, Y] x [0, Z]
    room = scene.room
    with np.errstate(divide='ignore', invalid='ignore'):
        inv = 1.0 / dw
    tfar = np.where(dw > 0, (room - cam) * inv, -cam * inv)
    tfar = np.where(np.isfinite(tfar), tfar, np.inf)
    axis = np.argmin(tfar, -1)
    best = np.take_along_axis(tfar, axis[..., None], -1)[..., 0]
    side = np.take_along_axis(dw, axis[..., None], -1)[..., 0] > 0
    kind = np.zeros((H, W), np.int8)  # 0 room, 1 box, 2 cyl, 3 sphere
    index = (2 * axis + side).astype(np.int32)  # room face id

    for i, b in enumerate(scene.boxes):
        bx, by, bz, hx, hy, hz, yaw = b[:7]
        y0, y1, x0, x1 = _screen_rect(_box_corners(*b[:7]), cam, R, K, H, W)
        if y1 <= y0 or x1 <= x0:
            continue
        d = dw[y0:y1, x0:x1]
        c, s = np.cos(yaw), np.sin(yaw)
        ox, oy, oz = cam[0] - bx, cam[1] - by, cam[2] - bz
        lox, loz = c * ox - s * oz, s * ox + c * oz
        ldx = c * d[..., 0] - s * d[..., 2]
        ldz = s * d[..., 0] + c * d[..., 2]
        ldy = d[..., 1]
        with np.errstate(divide='ignore', invalid='ignore'):
            tn = np.full(ldx.shape, -np.inf, np.float32)
            tf = np.full(ldx.shape, np.inf, np.float32)
            for lo, ld, h in ((lox, ldx, hx), (oy, ldy, hy), (loz, ldz, hz)):
                ia = 1.0 / ld
                t1, t2 = (-h - lo) * ia, (h - lo) * ia
                tn = np.maximum(tn, np.fmin(t1, t2))
                tf = np.minimum(tf, np.fmax(t1, t2))
        hit = (tn <= tf) & (tn > _EPS)
        cur = best[y0:y1, x0:x1]
        win = hit & (tn < cur)
        cur[win] = tn[win]
        kind[y0:y1, x0:x1][win] = 1
        index[y0:y1, x0:x1][win] = i

    for i, (bx, by, bz, r, h) in enumerate(c[:5] for c in scene.cyls):
        corners = _box_corners(bx, by + h / 2, bz, r, h / 2, r, 0.0)
        y0, y1, x0, x1 = _screen_rect(corners, cam, R, K, H, W)
        if y1 <= y0 or x1 <= x0:
            continue
        d = dw[y0:y1, x0:x1]
        ox, oz = cam[0] - bx, cam[2] - bz
        a = d[..., 0]**2 + d[..., 2]**2
        bq = 2 * (ox * d[..., 0] + oz * d[..., 2])
        cq = ox * ox + oz * oz - r * r
        disc = bq * bq - 4 * a * cq
        with np.errstate(divide='ignore', invalid='ignore'):
            sq = np.sqrt(np.maximum(disc, 0))
            ts = (-bq - sq) / (2 * a)  # side entry
            ys = cam[1] + ts * d[..., 1]
            side_hit = (disc >= 0) & (ts > _EPS) & (ys >= by) & (ys <= by + h)
            # caps (top if the camera is above, bottom if below)
            ycap = by + h if cam[1] > by + h else by
            tc = (ycap - cam[1]) / d[..., 1]
            px, pz = ox + tc * d[..., 0], oz + tc * d[..., 2]
            cap_hit = (tc > _EPS) & (px * px + pz * pz <= r * r)
        t = np.where(side_hit, ts, np.inf)
        t = np.where(cap_hit & (tc < t), tc, t).astype(np.float32)
        cur = best[y0:y1, x0:x1]
        win = t < cur
        cur[win] = t[win]
        kind[y0:y1, x0:x1][win] = 2
        index[y0:y1, x0:x1][win] = i

    for i, (bx, by, bz, r) in enumerate(c[:4] for c in scene.spheres):
        corners = _box_corners(bx, by, bz, r, r, r, 0.0)
        y0, y1, x0, x1 = _screen_rect(corners, cam, R, K, H, W)
        if y1 <= y0 or x1 <= x0:
            continue
        d = dw[y0:y1, x0:x1]
        o = cam - np.array([bx, by, bz], np.float32)
        a = (d * d).sum(-1)
        bq = 2 * (d @ o.astype(np.float32))
        cq = float(o @ o - r * r)
        disc = bq * bq - 4 * a * cq
        t = (-bq - np.sqrt(np.maximum(disc, 0))) / (2 * a)
        t = np.where((disc >= 0) & (t > _EPS), t, np.inf).astype(np.float32)
        cur = best[y0:y1, x0:x1]
        win = t < cur
        cur[win] = t[win]
        kind[y0:y1, x0:x1][win] = 3
        index[y0:y1, x0:x1][win] = i
    return best, kind, index, dw
