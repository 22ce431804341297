# Copyright (c) mmbin contributors. All rights reserved.
"""Procedural NYUD-v2 stand-in: ray-cast indoor scenes in the NYUD_MT layout.

No public generator produces NYUD-like multi-task ground truth (40-class
semantics, metric depth, camera-frame normals, boundaries) from nothing, so
this module writes one.  Every scene is a box-shaped room (floor, four walls,
ceiling) furnished with composite solids of NYU-40 classes (beds, tables,
chairs, sofas, cabinets, bookshelves with books, desks, ...) and flat wall
objects (doors, windows, pictures, whiteboards, blinds, mirrors, floor mats)
that are painted on the wall or floor plane, so their geometry is the wall's
and their class can only be read from appearance.

Rays from a pinhole camera with NYU-like intrinsics (Kinect v1 RGB, 518.9 px
focal length at 480x640, scaled to the output size) are intersected exactly
with the scene, giving:

* ``depth``: metric depth along the optical axis (the z of the camera frame),
  exact per pixel centre;
* ``normals``: exact unit surface normals in the OpenCV camera frame
  (x right, y down, z forward), oriented toward the camera;
* ``segmentation``: NYU-40 ids 1..40, 0 (void) on unlabelled clutter;
* ``edge``: boundaries wherever the instance label changes between
  4-neighbours (object, wall-plane and wall-object outlines), thinned to one
  pixel (the Laplacian-then-thin recipe of the PASCAL-Context boundary maps,
  applied to instance labels as NYUD's boundaries follow its instance
  annotation);
* ``images``: Lambertian shading under 1-3 point lights of varied colour
  (most hanging in visible ceiling fixtures) and an ambient term (plus
  sunlight through windows in some scenes), per-class
  procedural textures whose colours are re-drawn for every scene, vignetting,
  blur, shot and read noise and JPEG compression.

Everything is numpy-vectorised over pixels and each scene is seeded by
``(seed, split, index)``, so the output is deterministic and independent of
the number of scenes or worker processes.
"""
import json
import os
import os.path as osp
from multiprocessing import Pool
from typing import Dict, Sequence, Tuple

import numpy as np

from .nyu40 import NYU40_ID as C

__all__ = ['generate_synthetic_nyud', 'render_synthetic_scene',
           'nyu_intrinsics']

# Kinect v1 RGB intrinsics used for NYUD-v2 (at 480x640).
_NYU_FX, _NYU_FY, _NYU_CX, _NYU_CY = 518.86, 519.47, 325.58, 253.74
_EPS = 1e-4
_VOID = 0


def nyu_intrinsics(height: int, width: int) -> Tuple[float, ...]:
    """NYU-v2 pinhole intrinsics scaled to an image of ``height x width``.

    Args:
        height (int): Image height in pixels.
        width (int): Image width in pixels.

    Returns:
        tuple[float]: ``(fx, fy, cx, cy)`` in pixels.
    """
    sx, sy = width / 640.0, height / 480.0
    return (_NYU_FX * sx, _NYU_FY * sy, _NYU_CX * sx, _NYU_CY * sy)


# ---------------------------------------------------------------------------
# Procedural textures
# ---------------------------------------------------------------------------
class _ValueNoise:
    """Smooth 2-D value noise on a random 256x256 lattice, values in [0, 1]."""

    def __init__(self, rng: np.random.Generator):
        self.table = rng.random((256, 256)).astype(np.float32)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x0, y0 = np.floor(x), np.floor(y)
        fx, fy = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
        fx = fx * fx * (3 - 2 * fx)
        fy = fy * fy * (3 - 2 * fy)
        ix, iy = x0.astype(np.int64) & 255, y0.astype(np.int64) & 255
        jx, jy = (ix + 1) & 255, (iy + 1) & 255
        t = self.table
        a = t[ix, iy] + (t[jx, iy] - t[ix, iy]) * fx
        b = t[ix, jy] + (t[jx, jy] - t[ix, jy]) * fx
        return a + (b - a) * fy

    def fbm(self, x, y, octaves=3):
        out, amp, norm = 0.0, 1.0, 0.0
        for o in range(octaves):
            out = out + amp * self(x * (2**o) + 17.3 * o, y * (2**o) - 9.1 * o)
            norm += amp
            amp *= 0.5
        return out / norm

    def cell(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """A random value in [0, 1] per integer cell (a hash)."""
        return self.table[i.astype(np.int64) & 255,
                          (j.astype(np.int64) * 7 + 3) & 255]


def _hsv(h, s, v):
    """HSV (all in [0, 1]) to linear-ish RGB triple."""
    h = (h % 1.0) * 6
    i = int(h)
    f = h - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v),
                     (v, p, q)][i % 6], dtype=np.float32)


# Per-class appearance priors: hue range, saturation range, value range and
# the texture kinds the class may take.  Colours are re-drawn every scene.
_ANY = (0.0, 1.0)
_STYLE = {
    C['wall']: (_ANY, (0.0, 0.3), (0.5, 0.95), ('plain', 'stucco', 'stucco',
                                                'pinstripe')),
    C['floor']: ((0.03, 0.13), (0.15, 0.65), (0.2, 0.75),
                 ('wood', 'tiles', 'carpet', 'checker')),
    C['ceiling']: (_ANY, (0.0, 0.08), (0.75, 1.0), ('plain', 'tiles')),
    C['cabinet']: ((0.03, 0.12), (0.1, 0.6), (0.25, 0.9),
                   ('wood', 'panel', 'plain')),
    C['bed']: (_ANY, (0.1, 0.6), (0.4, 0.95), ('fabric', 'plaid', 'plain')),
    C['chair']: (_ANY, (0.0, 0.7), (0.1, 0.8), ('wood', 'fabric', 'plain')),
    C['sofa']: (_ANY, (0.1, 0.7), (0.15, 0.8), ('fabric', 'carpet')),
    C['table']: ((0.03, 0.12), (0.1, 0.6), (0.2, 0.9),
                 ('wood', 'plain', 'stucco')),
    C['door']: ((0.03, 0.12), (0.05, 0.6), (0.3, 0.95), ('panel', 'wood')),
    C['window']: ((0.5, 0.65), (0.05, 0.4), (0.8, 1.0), ('window',)),
    C['bookshelf']: ((0.03, 0.12), (0.1, 0.6), (0.2, 0.85),
                     ('wood', 'plain')),
    C['picture']: (_ANY, (0.3, 0.9), (0.3, 0.9), ('image',)),
    C['counter']: (_ANY, (0.0, 0.3), (0.3, 0.95), ('stucco', 'tiles',
                                                   'plain')),
    C['blinds']: (_ANY, (0.0, 0.3), (0.6, 0.95), ('blinds',)),
    C['desk']: ((0.03, 0.12), (0.0, 0.5), (0.2, 0.9), ('wood', 'plain')),
    C['shelves']: ((0.03, 0.12), (0.0, 0.5), (0.3, 0.9), ('wood', 'plain')),
    C['curtain']: (_ANY, (0.2, 0.7), (0.3, 0.9), ('curtain',)),
    C['dresser']: ((0.03, 0.12), (0.1, 0.6), (0.2, 0.9), ('panel', 'wood')),
    C['pillow']: (_ANY, (0.0, 0.8), (0.4, 1.0), ('fabric', 'plaid', 'plain')),
    C['mirror']: ((0.5, 0.6), (0.0, 0.15), (0.5, 0.85), ('mirror',)),
    C['floor mat']: (_ANY, (0.3, 0.9), (0.2, 0.8), ('plaid', 'carpet',
                                                    'stripes')),
    C['clothes']: (_ANY, (0.2, 0.9), (0.1, 0.9), ('fabric', 'plaid')),
    C['books']: (_ANY, (0.4, 0.9), (0.2, 0.9), ('stripes',)),
    C['refridgerator']: (_ANY, (0.0, 0.1), (0.6, 0.98), ('plain', 'panel')),
    C['television']: ((0.55, 0.7), (0.0, 0.3), (0.02, 0.15), ('screen',)),
    C['paper']: (_ANY, (0.0, 0.08), (0.85, 1.0), ('text',)),
    C['towel']: (_ANY, (0.1, 0.7), (0.5, 1.0), ('fabric', 'stripes')),
    C['shower curtain']: (_ANY, (0.0, 0.6), (0.6, 1.0), ('curtain',
                                                         'checker')),
    C['box']: ((0.05, 0.12), (0.3, 0.7), (0.4, 0.85), ('cardboard', 'plain')),
    C['whiteboard']: (_ANY, (0.0, 0.04), (0.88, 1.0), ('whiteboard',)),
    C['person']: (_ANY, (0.2, 0.8), (0.1, 0.8), ('fabric', 'plain')),
    C['night stand']: ((0.03, 0.12), (0.1, 0.6), (0.2, 0.9),
                       ('wood', 'panel')),
    C['toilet']: (_ANY, (0.0, 0.05), (0.85, 1.0), ('plain',)),
    C['sink']: (_ANY, (0.0, 0.05), (0.8, 1.0), ('plain',)),
    C['lamp']: ((0.08, 0.16), (0.1, 0.5), (0.7, 1.0), ('plain', 'fabric')),
    C['bathtub']: (_ANY, (0.0, 0.05), (0.85, 1.0), ('plain',)),
    C['bag']: (_ANY, (0.2, 0.9), (0.1, 0.7), ('fabric', 'plain')),
    C['otherstructure']: (_ANY, (0.0, 0.2), (0.5, 0.9), ('plain', 'stucco')),
    C['otherfurniture']: (_ANY, (0.0, 0.6), (0.2, 0.8),
                          ('wood', 'plain', 'fabric')),
    C['otherprop']: (_ANY, (0.0, 1.0), (0.1, 1.0),
                     ('plain', 'stripes', 'image')),
    _VOID: (_ANY, (0.0, 1.0), (0.1, 1.0), ('plain', 'fabric', 'image',
                                           'stripes')),
}


class _Material:
    """One procedural surface appearance (drawn once per class per scene)."""

    emissive = 0.0  # radiance added on top of shading (light fixtures)

    def __init__(self, rng: np.random.Generator, cls: int):
        (h0, h1), (s0, s1), (v0, v1), kinds = _STYLE.get(cls, _STYLE[_VOID])
        self.kind = kinds[rng.integers(len(kinds))]
        h, s, v = rng.uniform(h0, h1), rng.uniform(s0, s1), rng.uniform(v0, v1)
        self.c0 = _hsv(h, s, v)
        # secondary colour: near the first (grain, grout) or a contrast one
        self.c1 = _hsv(h + rng.normal(0, 0.04), np.clip(s * rng.uniform(0.6,
                       1.4), 0, 1), np.clip(v * rng.uniform(0.45, 0.85), 0, 1))
        self.palette = np.stack([
            _hsv(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.2, 0.95))
            for _ in range(6)])
        self.freq = float(rng.uniform(0.6, 1.6))
        self.contrast = float(rng.uniform(0.5, 1.0))
        self.offset = rng.uniform(0, 50, size=2).astype(np.float32)
        self.gloss = float(rng.uniform(0.0, 0.25))

    def albedo(self, u, v, noise: _ValueNoise) -> np.ndarray:
        """Albedo (N, 3) in [0, 1] at surface coordinates ``u, v`` (metres)."""
        u = u + self.offset[0]
        v = v + self.offset[1]
        f, k, c0, c1 = self.freq, self.contrast, self.c0, self.c1
        kind = self.kind
        n = len(u)

        def mix(w):
            w = np.clip(w, 0, 1)[:, None]
            return c0 * (1 - w) + c1 * w

        if kind == 'plain':
            out = c0 * (0.93 + 0.14 * noise(u * f, v * f))[:, None]
        elif kind == 'stucco':
            grain = noise.fbm(u * 9 * f, v * 9 * f)
            out = c0 * (0.85 + 0.3 * k * grain)[:, None]
        elif kind == 'pinstripe':
            s = (np.mod(u * 6 * f, 1.0) < 0.25).astype(np.float32)
            out = mix(0.35 * k * s)
        elif kind == 'wood':
            g = u * 9 * f + 2.5 * noise.fbm(u * 0.7, v * 6, 2)
            s = 0.5 + 0.5 * np.sin(2 * np.pi * g)
            plank = noise.cell(np.floor(v * 5), np.floor(u * 0.8))
            out = mix(k * s**3) * (0.85 + 0.3 * plank)[:, None]
        elif kind == 'tiles':
            size = 0.2 + 0.4 / f
            fu, fv = np.mod(u / size, 1.0), np.mod(v / size, 1.0)
            grout = (fu < 0.05) | (fv < 0.05)
            jitter = noise.cell(np.floor(u / size), np.floor(v / size))
            out = c0 * (0.9 + 0.2 * k * jitter)[:, None]
            out[grout] = c1 * 0.8
        elif kind == 'checker':
            size = 0.15 + 0.3 / f
            chk = (np.floor(u / size) + np.floor(v / size)) % 2
            out = mix(chk * k)
        elif kind in ('carpet', 'fabric'):
            sc = 60 * f if kind == 'carpet' else 25 * f
            weave = 0.5 + 0.25 * (np.sin(u * sc * 3) * np.sin(v * sc * 3))
            out = mix(0.6 * k * (0.5 * noise(u * sc, v * sc) + 0.5 * weave))
            out *= (0.85 + 0.3 * noise(u * 2, v * 2))[:, None]
        elif kind == 'plaid':
            a = (np.mod(u * 5 * f, 1.0) < 0.3).astype(np.float32)
            b = (np.mod(v * 5 * f, 1.0) < 0.3).astype(np.float32)
            out = mix(0.5 * k * (a + b))
        elif kind == 'stripes':
            idx = (noise.cell(np.floor(u * 30 * f), np.zeros_like(u)) *
                   len(self.palette)).astype(np.int64) % len(self.palette)
            out = self.palette[idx] * (0.8 + 0.2 * noise(u * 60, v * 20))[:,
                                                                          None]
        elif kind == 'blinds':
            s = np.mod(v * 25, 1.0)
            out = c0 * (0.65 + 0.35 * np.clip(s * 1.4, 0, 1))[:, None]
        elif kind == 'curtain':
            s = 0.5 + 0.5 * np.sin(u * 25 * f + 2 * noise(u * 3, v))
            out = c0 * (0.6 + 0.4 * s)[:, None]
        elif kind == 'window':
            # bright sky / outside view with a frame and muntins
            sky = (0.75 + 0.25 * noise.fbm(u * 2, v * 2))[:, None] * c0
            bars = (np.mod(u * 2.2, 1.0) < 0.06) | (np.mod(v * 1.6, 1.0) <
                                                    0.06)
            out = np.where(bars[:, None], c1 * 0.9 + 0.1, np.minimum(
                sky * 1.4, 1.0))
        elif kind == 'image':
            w = noise.fbm(u * 3 * f, v * 3 * f)
            idx = np.clip((w * 1.8 - 0.4) * len(self.palette), 0,
                          len(self.palette) - 1).astype(np.int64)
            out = self.palette[idx] * (0.7 + 0.3 * noise(u * 20, v * 20))[:,
                                                                          None]
        elif kind == 'screen':
            out = c0 * (0.6 + 0.4 * noise(u * 3, v * 3))[:, None]
        elif kind == 'mirror':
            out = c0 * (0.75 + 0.5 * noise.fbm(u * 1.5, v * 1.5))[:, None]
        elif kind == 'text':
            ink = noise(u * 80, v * 60) > 0.45
            line = (np.mod(v * 60, 1.0) < 0.25) & ink
            out = np.where(line[:, None], c0 * 0.3, c0)
        elif kind == 'whiteboard':
            stroke = np.abs(np.sin(u * 14 * f + 6 * noise(u * 2, v * 2))) < (
                0.06 * (noise(u * 1.3, v * 1.3) > 0.55))
            out = np.where(stroke[:, None], self.palette[0] * 0.5, c0)
        elif kind == 'panel':
            fu, fv = np.mod(u * 1.6, 1.0), np.mod(v * 1.2, 1.0)
            groove = (np.abs(fu - 0.08) < 0.02) | (np.abs(fv - 0.08) < 0.02)
            out = np.where(groove[:, None], c1,
                           c0 * (0.9 + 0.2 * noise(u * 4, v * 4))[:, None])
        elif kind == 'cardboard':
            tape = np.abs(np.mod(u * 2.0, 1.0) - 0.5) < 0.05
            out = np.where(tape[:, None], c1 * 1.3,
                           c0 * (0.85 + 0.3 * noise(u * 15, v * 15))[:, None])
        else:  # pragma: no cover - the style table only names kinds above
            raise ValueError(f'unknown texture kind {kind!r}')
        return np.clip(out.reshape(n, 3), 0.0, 1.0).astype(np.float32)


# ---------------------------------------------------------------------------
# Scene description
# ---------------------------------------------------------------------------
class _Scene:
    """Primitives of one room in world coordinates (y up, metres)."""

    def __init__(self, rng, room):
        self.rng = rng
        self.room = np.asarray(room, np.float32)  # (X, Y, Z) extents
        self.materials = []
        self._class_mat: Dict[int, int] = {}
        self.boxes = []  # (cx, cy, cz, hx, hy, hz, yaw, cls, inst, mat)
        self.cyls = []  # (cx, y0, cz, r, height, cls, inst, mat)
        self.spheres = []  # (cx, cy, cz, r, cls, inst, mat)
        self.decals = []  # (face, u0, u1, v0, v1, cls, inst, mat)
        self.num_inst = 6  # instances 0..5 are the room faces
        self.footprints = []  # (x0, x1, z0, z1) occupied on the floor plan
        self.lights = []  # (position (3,), colour (3,), power)

    def material(self, cls: int, own: bool = False) -> int:
        """Index of the scene material of class ``cls`` (or a fresh one)."""
        if own or cls not in self._class_mat:
            self.materials.append(_Material(self.rng, cls))
            if own:
                return len(self.materials) - 1
            self._class_mat[cls] = len(self.materials) - 1
        return self._class_mat[cls]

    def new_instance(self) -> int:
        self.num_inst += 1
        return self.num_inst - 1

    def free(self, rect, margin=0.05) -> bool:
        x0, x1, z0, z1 = rect
        X, _, Z = self.room
        if x0 < -1e-6 or z0 < -1e-6 or x1 > X + 1e-6 or z1 > Z + 1e-6:
            return False
        for a0, a1, b0, b1 in self.footprints:
            if (x0 < a1 + margin and a0 < x1 + margin and z0 < b1 + margin
                    and b0 < z1 + margin):
                return False
        return True


class _Object:
    """A composite object built in a local frame, then placed in the room.

    Local frame: origin on the floor at the footprint centre, x to the
    object's right, y up, z toward its front (away from the wall it backs on).
    """

    def __init__(self, scene: _Scene, cls: int, width: float, depth: float):
        self.scene, self.cls = scene, cls
        self.width, self.depth = width, depth
        self.parts = []  # ('box'|'cyl'|'sph', params, cls, tag)
        self.inst = None

    def box(self, cls, x, y, z, hx, hy, hz, yaw=0.0, tag=0, mat=None):
        self.parts.append(('box', (x, y, z, hx, hy, hz, yaw), cls, tag, mat))

    def cyl(self, cls, x, y0, z, r, h, tag=0, mat=None):
        self.parts.append(('cyl', (x, y0, z, r, h), cls, tag, mat))

    def sph(self, cls, x, y, z, r, tag=0, mat=None):
        self.parts.append(('sph', (x, y, z, r), cls, tag, mat))

    def merge(self, other: '_Object', x: float, z: float, yaw: float,
              tag_offset: int) -> None:
        """Add ``other``'s parts at local (x, z) turned by ``yaw``."""
        c, sn = np.cos(yaw), np.sin(yaw)
        for kind, p, cls, tag, mat in other.parts:
            px, pz = p[0], p[2]
            q = list(p)
            q[0], q[2] = x + c * px + sn * pz, z - sn * px + c * pz
            if kind == 'box':
                q[6] = p[6] + yaw
            self.parts.append((kind, tuple(q), cls, tag + tag_offset, mat))

    def place(self, x, z, yaw):
        """Add the parts to the scene at floor point (x, z) rotated by yaw."""
        s = self.scene
        c, sn = np.cos(yaw), np.sin(yaw)
        insts = {}
        for kind, p, cls, tag, mat in self.parts:
            if tag not in insts:
                insts[tag] = s.new_instance()
            inst = insts[tag]
            if mat is None:
                mat = s.material(cls)
            px, pz = p[0], p[2]
            wx, wz = x + c * px + sn * pz, z - sn * px + c * pz
            if kind == 'box':
                s.boxes.append((wx, p[1], wz, p[3], p[4], p[5], yaw + p[6],
                                cls, inst, mat))
            elif kind == 'cyl':
                s.cyls.append((wx, p[1], wz, p[3], p[4], cls, inst, mat))
            else:
                s.spheres.append((wx, p[1], wz, p[3], cls, inst, mat))


# --- object builders (local frame, see _Object) ------------------------------
def _legs(o, cls, w, d, h, t, inset=0.03, tag=0):
    for sx in (-1, 1):
        for sz in (-1, 1):
            o.box(cls, sx * (w / 2 - inset - t), h / 2,
                  sz * (d / 2 - inset - t), t, h / 2, t, tag=tag)


def _tabletop_items(o, rng, w, d, top, budget=3):
    """Small objects on a horizontal surface of size w x d at height top."""
    s = o.scene
    for k in range(rng.integers(0, budget + 1)):
        kind = rng.choice(['books', 'box', 'paper', 'lamp', 'prop', 'prop',
                           'void', 'tv', 'bag'])
        x = rng.uniform(-w / 2 + 0.12, w / 2 - 0.12)
        z = rng.uniform(-d / 2 + 0.1, d / 2 - 0.1)
        tag = 10 + k
        if kind == 'books':
            n = rng.integers(1, 5)
            y = top
            for b in range(n):
                hh = rng.uniform(0.012, 0.03)
                o.box(C['books'], x + rng.normal(0, 0.01), y + hh, z,
                      rng.uniform(0.08, 0.14), hh, rng.uniform(0.1, 0.16),
                      yaw=rng.normal(0, 0.2), tag=tag,
                      mat=s.material(C['books'], own=True))
                y += 2 * hh
        elif kind == 'box':
            hx, hy, hz = rng.uniform(0.05, 0.15, 3)
            o.box(C['box'], x, top + hy, z, hx, hy, hz, yaw=rng.normal(0, 0.3),
                  tag=tag)
        elif kind == 'paper':
            o.box(C['paper'], x, top + 0.002, z, rng.uniform(0.1, 0.15), 0.002,
                  rng.uniform(0.14, 0.2), yaw=rng.normal(0, 0.4), tag=tag)
        elif kind == 'lamp':
            hgt = rng.uniform(0.25, 0.5)
            o.cyl(C['lamp'], x, top, z, 0.015, hgt, tag=tag)
            o.cyl(C['lamp'], x, top, z, 0.07, 0.02, tag=tag)
            r = rng.uniform(0.08, 0.15)
            o.cyl(C['lamp'], x, top + hgt, z, r, r * 1.2, tag=tag)
        elif kind == 'tv':
            hw = rng.uniform(0.2, 0.4)
            hh = hw * 0.6
            o.box(C['television'], x, top + 0.05 + hh, z, hw, hh, 0.025,
                  tag=tag)
            o.box(C['television'], x, top + 0.025, z, 0.08, 0.025, 0.06,
                  tag=tag)
        elif kind == 'bag':
            o.box(C['bag'], x, top + 0.1, z, 0.15, 0.1, 0.07,
                  yaw=rng.normal(0, 0.5), tag=tag)
        else:  # cups, bottles, bowls, balls: otherprop or unlabelled clutter
            cls = C['otherprop'] if kind == 'prop' else _VOID
            mat = s.material(cls, own=True)
            if rng.random() < 0.6:
                o.cyl(cls, x, top, z, rng.uniform(0.03, 0.07),
                      rng.uniform(0.06, 0.3), tag=tag, mat=mat)
            else:
                r = rng.uniform(0.04, 0.1)
                o.sph(cls, x, top + r, z, r, tag=tag, mat=mat)


def _bed(s, rng):
    w, d = rng.uniform(1.0, 1.8), rng.uniform(1.9, 2.2)
    o = _Object(s, C['bed'], w, d)
    hb = rng.uniform(0.35, 0.6)
    o.box(C['bed'], 0, hb / 2, 0, w / 2, hb / 2, d / 2)
    o.box(C['bed'], 0, rng.uniform(0.5, 0.6), -d / 2 + 0.04, w / 2 + 0.02,
          rng.uniform(0.45, 0.6), 0.04)
    npil = 1 if w < 1.3 else 2
    for k in range(npil):
        x = 0 if npil == 1 else (k - 0.5) * w / 2
        o.box(C['pillow'], x, hb + 0.07, -d / 2 + 0.3, w / (2 * npil) - 0.06,
              0.07, 0.18, yaw=rng.normal(0, 0.05), tag=1 + k)
    if rng.random() < 0.4:
        o.box(C['clothes'], rng.uniform(-w / 3, w / 3), hb + 0.04,
              rng.uniform(0, d / 3), 0.25, 0.04, 0.2, yaw=rng.uniform(0, 3),
              tag=5)
    return o


def _table(s, rng, cls=None, items=True):
    cls = cls or C['table']
    w, d = rng.uniform(0.7, 1.8), rng.uniform(0.6, 1.0)
    h = rng.uniform(0.45, 0.78) if cls == C['table'] else rng.uniform(
        0.7, 0.78)
    o = _Object(s, cls, w, d)
    t = rng.uniform(0.02, 0.04)
    o.box(cls, 0, h - t, 0, w / 2, t, d / 2)
    if cls == C['desk']:
        for sx in (-1, 1):
            o.box(cls, sx * (w / 2 - 0.02), (h - 2 * t) / 2, 0, 0.02,
                  (h - 2 * t) / 2, d / 2 - 0.02)
        if rng.random() < 0.6:  # drawer block
            o.box(cls, w / 2 - 0.22, (h - 2 * t) / 2, 0.02, 0.2,
                  (h - 2 * t) / 2, d / 2 - 0.04)
    else:
        _legs(o, cls, w, d, h - 2 * t, rng.uniform(0.02, 0.04))
    if items:
        _tabletop_items(o, rng, w, d, h, budget=4)
    return o


def _table_set(s, rng):
    """A table with chairs around it (dining rooms, kitchens)."""
    table = _table(s, rng)
    w, d = table.width, table.depth
    o = _Object(s, C['table'], w + 1.1, d + 1.1)
    o.merge(table, 0, 0, 0, 0)
    sides = [(0, -d / 2 - 0.3, 0.0), (0, d / 2 + 0.3, np.pi),
             (-w / 2 - 0.3, 0, np.pi / 2), (w / 2 + 0.3, 0, -np.pi / 2)]
    k = 100
    for x, z, yaw in sides:
        along = w if x == 0 else d
        n = int(rng.integers(0, max(1, int(along / 0.6)) + 1))
        for j in range(n):
            off = (j + 0.5) / n * along - along / 2 if n else 0
            cx, cz = (x + off, z) if x == 0 else (x, z + off)
            o.merge(_chair(s, rng), cx + rng.normal(0, 0.03),
                    cz + rng.normal(0, 0.03), yaw + rng.normal(0, 0.15), k)
            k += 100
    return o


def _chair(s, rng):
    w = rng.uniform(0.4, 0.55)
    o = _Object(s, C['chair'], w, w)
    hs = rng.uniform(0.42, 0.5)
    o.box(C['chair'], 0, hs, 0, w / 2, 0.025, w / 2)
    o.box(C['chair'], 0, hs + rng.uniform(0.2, 0.3), -w / 2 + 0.02, w / 2,
          rng.uniform(0.15, 0.3), 0.02)
    _legs(o, C['chair'], w, w, hs - 0.025, 0.018, inset=0.0)
    return o


def _sofa(s, rng):
    w, d = rng.uniform(1.4, 2.4), rng.uniform(0.8, 1.0)
    o = _Object(s, C['sofa'], w, d)
    hs = rng.uniform(0.38, 0.48)
    o.box(C['sofa'], 0, hs / 2, 0.05, w / 2 - 0.12, hs / 2, d / 2 - 0.05)
    o.box(C['sofa'], 0, rng.uniform(0.4, 0.5), -d / 2 + 0.1, w / 2,
          rng.uniform(0.4, 0.5), 0.1)
    for sx in (-1, 1):
        o.box(C['sofa'], sx * (w / 2 - 0.1), 0.3, 0, 0.1, 0.3, d / 2)
    for k in range(rng.integers(0, 3)):
        o.box(C['pillow'], rng.uniform(-w / 3, w / 3), hs + 0.18,
              -d / 2 + 0.28, 0.2, 0.18, 0.07, yaw=rng.normal(0, 0.2),
              tag=1 + k)
    return o


def _cabinet(s, rng, cls=None, tall=None):
    cls = cls or C['cabinet']
    w, d = rng.uniform(0.4, 1.6), rng.uniform(0.35, 0.6)
    if tall is None:
        tall = rng.random() < 0.4
    h = rng.uniform(1.2, 2.1) if tall else rng.uniform(0.5, 1.0)
    o = _Object(s, cls, w, d)
    o.box(cls, 0, h / 2, 0, w / 2, h / 2, d / 2)
    if not tall:
        _tabletop_items(o, rng, w, d, h, budget=3)
    return o


def _bookshelf(s, rng):
    w, d, h = rng.uniform(0.6, 1.6), rng.uniform(0.25, 0.4), rng.uniform(
        1.0, 2.2)
    o = _Object(s, C['bookshelf'], w, d)
    t = 0.02
    for sx in (-1, 1):
        o.box(C['bookshelf'], sx * (w / 2 - t), h / 2, 0, t, h / 2, d / 2)
    o.box(C['bookshelf'], 0, h / 2, -d / 2 + 0.005, w / 2, h / 2, 0.005)
    n = max(2, int(h / rng.uniform(0.3, 0.4)))
    for k in range(n + 1):
        y = k * (h - t) / n + t / 2
        o.box(C['bookshelf'], 0, y, 0, w / 2 - 2 * t, t / 2, d / 2)
        if k < n and rng.random() < 0.85:  # a run of books on this shelf
            gap = (h - t) / n - t
            x = -w / 2 + 2 * t
            while x < w / 2 - 0.1:
                run = rng.uniform(0.08, 0.5)
                run = min(run, w / 2 - 2 * t - x)
                if run < 0.04:
                    break
                if rng.random() < 0.75:
                    bh = gap * rng.uniform(0.55, 0.9)
                    o.box(C['books'], x + run / 2, y + t / 2 + bh / 2,
                          rng.uniform(-0.02, 0.02), run / 2, bh / 2,
                          d / 2 - 0.03, tag=20 + k,
                          mat=s.material(C['books'], own=True))
                x += run + rng.uniform(0.0, 0.1)
    return o


def _shelves(s, rng):
    """Wall-mounted boards (class shelves) with things on them."""
    w, d = rng.uniform(0.6, 1.4), rng.uniform(0.2, 0.3)
    o = _Object(s, C['shelves'], w, d)
    y0 = rng.uniform(1.1, 1.5)
    for k in range(rng.integers(1, 3)):
        y = y0 + 0.35 * k
        o.box(C['shelves'], 0, y, 0, w / 2, 0.015, d / 2)
        _tabletop_items(o, rng, w, d, y + 0.015, budget=2)
    return o


def _fridge(s, rng):
    w, d, h = rng.uniform(0.6, 0.8), rng.uniform(0.6, 0.7), rng.uniform(
        1.5, 1.9)
    o = _Object(s, C['refridgerator'], w, d)
    o.box(C['refridgerator'], 0, h / 2, 0, w / 2, h / 2, d / 2)
    o.box(C['refridgerator'], w / 2 - 0.06, h * 0.6, d / 2 + 0.02, 0.015,
          0.2, 0.02)
    return o


def _counter(s, rng):
    w, d = rng.uniform(1.2, 2.6), rng.uniform(0.55, 0.65)
    o = _Object(s, C['counter'], w, d)
    h = rng.uniform(0.85, 0.92)
    o.box(C['counter'], 0, h - 0.02, 0, w / 2, 0.02, d / 2)
    o.box(C['cabinet'], 0, (h - 0.04) / 2, -0.02, w / 2 - 0.01,
          (h - 0.04) / 2, d / 2 - 0.03, tag=1)
    if rng.random() < 0.6:
        o.box(C['sink'], rng.uniform(-w / 4, w / 4), h + 0.005, 0.02, 0.22,
              0.006, 0.18, tag=2)
    _tabletop_items(o, rng, w, d, h, budget=3)
    return o


def _toilet(s, rng):
    o = _Object(s, C['toilet'], 0.4, 0.7)
    o.cyl(C['toilet'], 0, 0, 0.08, 0.18, 0.4)
    o.box(C['toilet'], 0, 0.6, -0.26, 0.2, 0.2, 0.09)
    return o


def _sink(s, rng):
    o = _Object(s, C['sink'], 0.55, 0.45)
    o.cyl(C['sink'], 0, 0, 0, 0.07, 0.75)
    o.box(C['sink'], 0, 0.8, 0, 0.27, 0.06, 0.22)
    return o


def _bathtub(s, rng):
    w = rng.uniform(1.5, 1.8)
    o = _Object(s, C['bathtub'], w, 0.75)
    o.box(C['bathtub'], 0, 0.28, 0, w / 2, 0.28, 0.37)
    if rng.random() < 0.6:
        o.box(C['shower curtain'], 0, 1.3, 0.36, w / 2, 0.7, 0.01, tag=1)
    return o


def _lamp(s, rng):
    o = _Object(s, C['lamp'], 0.4, 0.4)
    h = rng.uniform(1.2, 1.7)
    o.cyl(C['lamp'], 0, 0, 0, 0.15, 0.03)
    o.cyl(C['lamp'], 0, 0, 0, 0.015, h)
    o.cyl(C['lamp'], 0, h - 0.1, 0, rng.uniform(0.15, 0.22), 0.3)
    return o


def _person(s, rng):
    o = _Object(s, C['person'], 0.5, 0.3)
    h = rng.uniform(1.5, 1.85)
    for sx in (-1, 1):
        o.cyl(C['person'], sx * 0.1, 0, 0, 0.07, h * 0.47)
    o.box(C['person'], 0, h * 0.65, 0, 0.19, h * 0.18, 0.11)
    for sx in (-1, 1):
        o.cyl(C['person'], sx * 0.25, h * 0.45, 0, 0.045, h * 0.36)
    o.sph(C['person'], 0, h - 0.11, 0, 0.11)
    return o


def _small(s, rng):
    """Floor clutter: boxes, bags, clothes, other props, unlabelled things."""
    kind = rng.choice(['box', 'box', 'bag', 'clothes', 'otherprop',
                       'otherfurniture', 'void', 'void'])
    if kind == 'box':
        w, d, h = rng.uniform(0.2, 0.6, 3)
        o = _Object(s, C['box'], w, d)
        o.box(C['box'], 0, h / 2, 0, w / 2, h / 2, d / 2)
        if rng.random() < 0.3:
            o.box(C['box'], 0, h + h / 4, 0, w / 3, h / 4, d / 3, tag=1,
                  yaw=rng.normal(0, 0.3))
    elif kind == 'bag':
        o = _Object(s, C['bag'], 0.4, 0.25)
        o.box(C['bag'], 0, 0.2, 0, 0.18, 0.2, 0.1)
    elif kind == 'clothes':
        o = _Object(s, C['clothes'], 0.6, 0.5)
        o.box(C['clothes'], 0, 0.06, 0, 0.28, 0.06, 0.22)
    elif kind == 'otherfurniture':
        w, d, h = rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.6), rng.uniform(
            0.4, 1.2)
        o = _Object(s, C['otherfurniture'], w, d)
        o.box(C['otherfurniture'], 0, h / 2, 0, w / 2, h / 2, d / 2)
    else:
        cls = C['otherprop'] if kind == 'otherprop' else _VOID
        r = rng.uniform(0.1, 0.3)
        o = _Object(s, cls, 2 * r, 2 * r)
        mat = s.material(cls, own=True)
        if rng.random() < 0.5:
            o.cyl(cls, 0, 0, 0, r, rng.uniform(0.2, 0.9), mat=mat)
        else:
            o.sph(cls, 0, r, 0, r, mat=mat)
    return o


def _nightstand(s, rng):
    w = rng.uniform(0.4, 0.55)
    o = _Object(s, C['night stand'], w, 0.4)
    h = rng.uniform(0.45, 0.65)
    o.box(C['night stand'], 0, h / 2, 0, w / 2, h / 2, 0.2)
    _tabletop_items(o, rng, w, 0.4, h, budget=2)
    return o


# Room types: (weight, [(builder, min count, max count, wall-backed)]).
_ROOMS = {
    'bedroom': (3, [(_bed, 1, 1, True), (_nightstand, 0, 2, True),
                    (lambda s, r: _cabinet(s, r, C['dresser']), 0, 1, True),
                    (_cabinet, 0, 1, True), (_chair, 0, 1, False),
                    (_lamp, 0, 1, True), (_small, 1, 5, False),
                    (_table, 0, 1, True), (_bookshelf, 0, 1, True)]),
    'living': (3, [(_sofa, 1, 2, True), (_table, 1, 1, False),
                   (_cabinet, 0, 2, True), (_bookshelf, 0, 1, True),
                   (_chair, 0, 2, False), (_lamp, 0, 1, True),
                   (_small, 1, 5, False), (_shelves, 0, 1, True),
                   (_person, 0, 1, False)]),
    'office': (3, [(lambda s, r: _table(s, r, C['desk']), 1, 3, True),
                   (_chair, 1, 3, False), (_bookshelf, 0, 2, True),
                   (_cabinet, 0, 2, True), (_small, 2, 6, False),
                   (_shelves, 0, 1, True), (_person, 0, 1, False),
                   (_table, 0, 1, False)]),
    'kitchen': (2, [(_counter, 1, 2, True), (_fridge, 0, 1, True),
                    (_table_set, 0, 1, False), (_chair, 0, 1, False),
                    (_cabinet, 0, 2, True), (_small, 1, 4, False),
                    (_shelves, 0, 1, True)]),
    'bathroom': (1, [(_toilet, 1, 1, True), (_sink, 1, 1, True),
                     (_bathtub, 0, 1, True), (_cabinet, 0, 1, True),
                     (_small, 1, 4, False)]),
    'dining': (2, [(_table_set, 1, 1, False), (_chair, 0, 2, False),
                   (_cabinet, 0, 2, True), (_lamp, 0, 1, True),
                   (_small, 1, 4, False), (_bookshelf, 0, 1, True)]),
}


def _place_wall(scene, rng, obj, walls, cam_xz, keep_clear):
    """Back ``obj`` onto one of ``walls``; returns True if it found room."""
    X, _, Z = scene.room
    w, d = obj.width, obj.depth
    for _ in range(12):
        wall = walls[rng.integers(len(walls))]
        gap = rng.uniform(0.0, 0.06)
        if wall in (0, 1):  # x = 0 / x = X, object faces +x / -x
            L = Z
        else:  # z = Z (4 behind the camera is never used)
            L = X
        if w > L - 0.1:
            continue
        u = rng.uniform(w / 2 + 0.02, L - w / 2 - 0.02)
        off = d / 2 + gap
        if wall == 0:
            x, z, yaw = off, u, np.pi / 2
            rect = (gap, gap + d, u - w / 2, u + w / 2)
        elif wall == 1:
            x, z, yaw = X - off, u, -np.pi / 2
            rect = (X - gap - d, X - gap, u - w / 2, u + w / 2)
        else:
            x, z, yaw = u, Z - off, np.pi
            rect = (u - w / 2, u + w / 2, Z - gap - d, Z - gap)
        if scene.free(rect) and not _near(rect, cam_xz, keep_clear):
            scene.footprints.append(rect)
            obj.place(x, z, yaw)
            return True
    return False


def _place_free(scene, rng, obj, cam_xz, keep_clear):
    X, _, Z = scene.room
    w, d = obj.width, obj.depth
    for _ in range(12):
        yaw = rng.uniform(0, 2 * np.pi)
        c, s = abs(np.cos(yaw)), abs(np.sin(yaw))
        ex, ez = (w * c + d * s) / 2, (w * s + d * c) / 2
        if 2 * ex > X - 0.2 or 2 * ez > Z - 0.2:
            continue
        x = rng.uniform(ex + 0.1, X - ex - 0.1)
        z = rng.uniform(ez + 0.1, Z - ez - 0.1)
        rect = (x - ex, x + ex, z - ez, z + ez)
        if scene.free(rect) and not _near(rect, cam_xz, keep_clear):
            scene.footprints.append(rect)
            obj.place(x, z, yaw)
            return True
    return False


def _near(rect, p, r):
    x0, x1, z0, z1 = rect
    dx = max(x0 - p[0], 0, p[0] - x1)
    dz = max(z0 - p[1], 0, p[1] - z1)
    return dx * dx + dz * dz < r * r


def _add_wall_decals(scene, rng, room_type, cam_xz):
    """Flat wall/floor objects that share the geometry of their surface."""
    X, Y, Z = scene.room
    # faces: 0 x=0, 1 x=X, 2 floor, 3 ceiling, 4 z=0, 5 z=Z; u, v per face:
    # x-walls (z, y), floor/ceiling (x, z), z-walls (x, y)
    lengths = {0: Z, 1: Z, 5: X, 4: X}
    used = {f: [] for f in lengths}

    def add(face, cls, w, h, v0, mat=None, u=None):
        L = lengths[face]
        if w > L - 0.2:
            return None
        for _ in range(8):
            uu = rng.uniform(0.1, L - w - 0.1) if u is None else u
            if all(uu + w < a - 0.05 or uu > b + 0.05 for a, b in used[face]):
                used[face].append((uu, uu + w))
                inst = scene.new_instance()
                scene.decals.append((face, uu, uu + w, v0, v0 + h, cls, inst,
                                     scene.material(cls) if mat is None
                                     else mat))
                return uu
            if u is not None:
                return None
        return None

    visible = [0, 1, 5, 5, 4]
    if rng.random() < 0.85:  # door reaching the floor
        face = visible[rng.integers(len(visible))]
        w = rng.uniform(0.75, 0.95)
        u = add(face, C['door'], w, rng.uniform(1.95, 2.1), 0.0)
        if u is not None:  # keep the floor in front of the door clear
            if face == 0:
                scene.footprints.append((0, 0.8, u, u + w))
            elif face == 1:
                scene.footprints.append((X - 0.8, X, u, u + w))
            elif face == 5:
                scene.footprints.append((u, u + w, Z - 0.8, Z))
    for _ in range(rng.integers(0, 3)):  # windows, with blinds or curtains
        face = visible[rng.integers(len(visible))]
        w, h = rng.uniform(0.6, 1.8), rng.uniform(0.8, 1.4)
        v0 = rng.uniform(0.75, max(0.8, Y - h - 0.25))
        u = add(face, C['window'], w, h, v0)
        if u is None:
            continue
        r = rng.random()
        if r < 0.3:  # blinds cover the upper part of the window (flat)
            scene.decals.append((face, u, u + w, v0 + h * rng.uniform(0.3,
                                 0.9), v0 + h, C['blinds'],
                                 scene.new_instance(),
                                 scene.material(C['blinds'])))
        elif r < 0.6:  # curtains at both sides, hanging a few cm off the wall
            cw = rng.uniform(0.2, 0.4)
            for side in (u - cw + 0.1, u + w - 0.1):
                _curtain(scene, face, side, cw, v0 + h + 0.15)
    npic = {'office': 1, 'bathroom': 0}.get(room_type, 3)
    for _ in range(rng.integers(0, npic + 1)):
        face = visible[rng.integers(len(visible))]
        w = rng.uniform(0.25, 1.1)
        h = w * rng.uniform(0.6, 1.4)
        add(face, C['picture'], w, h, rng.uniform(1.1, max(1.2, Y - h - 0.2)),
            mat=scene.material(C['picture'], own=True))
    if room_type == 'office' or rng.random() < 0.12:
        face = visible[rng.integers(len(visible))]
        w, h = rng.uniform(1.0, 2.4), rng.uniform(0.9, 1.2)
        add(face, C['whiteboard'], w, h, rng.uniform(0.85, 1.1))
    if room_type == 'bathroom' or rng.random() < 0.08:
        face = visible[rng.integers(len(visible))]
        w = rng.uniform(0.4, 1.0)
        add(face, C['mirror'], w, w * rng.uniform(0.8, 1.4), rng.uniform(
            1.0, 1.3))
    if room_type == 'bathroom' and rng.random() < 0.7:
        face = visible[rng.integers(len(visible))]
        add(face, C['towel'], rng.uniform(0.3, 0.5), rng.uniform(0.4, 0.7),
            rng.uniform(0.9, 1.3))
    if rng.random() < 0.35:  # floor mat (on the floor plane)
        w, d = rng.uniform(0.6, 2.0), rng.uniform(0.5, 1.6)
        x0, z0 = rng.uniform(0.1, max(0.2, X - w - 0.1)), rng.uniform(
            0.3, max(0.4, Z - d - 0.1))
        scene.decals.append((2, x0, x0 + w, z0, z0 + d, C['floor mat'],
                             scene.new_instance(),
                             scene.material(C['floor mat'])))
    if rng.random() < 0.25:  # a column / beam: other structure
        w = rng.uniform(0.25, 0.5)
        o = _Object(scene, C['otherstructure'], w, w)
        o.box(C['otherstructure'], 0, Y / 2, 0, w / 2, Y / 2 - 1e-3, w / 2)
        _place_wall(scene, rng, o, [0, 1, 5], cam_xz, 0.8)


def _curtain(scene, face, u, w, top):
    X, _, Z = scene.room
    o = _Object(scene, C['curtain'], w, 0.04)
    o.box(C['curtain'], 0, top / 2, 0, w / 2, top / 2 - 0.01, 0.02)
    uc = u + w / 2
    if face == 0:
        o.place(0.04, uc, np.pi / 2)
    elif face == 1:
        o.place(X - 0.04, uc, -np.pi / 2)
    elif face == 5:
        o.place(uc, Z - 0.04, np.pi)
    else:
        o.place(uc, 0.04, 0.0)


def _build_scene(rng: np.random.Generator):
    """Sample a furnished room and a camera pose inside it."""
    X, Y, Z = rng.uniform(3.0, 6.5), rng.uniform(2.4, 3.1), rng.uniform(
        3.0, 7.0)
    scene = _Scene(rng, (X, Y, Z))
    names = list(_ROOMS)
    weights = np.array([_ROOMS[n][0] for n in names], float)
    room_type = names[rng.choice(len(names), p=weights / weights.sum())]
    # NYU frames are shot from a hand-held Kinect near one wall, looking
    # into the room and slightly down.
    cam = np.array([rng.uniform(0.25, 0.75) * X, rng.uniform(1.0, 1.7),
                    rng.uniform(0.15, 0.9)], np.float32)
    cam_xz = (cam[0], cam[2])
    _add_wall_decals(scene, rng, room_type, cam_xz)
    for builder, lo, hi, backed in _ROOMS[room_type][1]:
        for _ in range(rng.integers(lo, hi + 1)):
            obj = builder(scene, rng)
            if backed:
                _place_wall(scene, rng, obj, [0, 1, 5, 5], cam_xz, 0.7)
            else:
                _place_free(scene, rng, obj, cam_xz, 0.7)
    _add_lights(scene, rng)
    yaw = rng.uniform(-0.7, 0.7)
    pitch = -rng.uniform(0.05, 0.45)
    roll = rng.normal(0, 0.03)
    return scene, cam, (yaw, pitch, roll), room_type


def _add_lights(scene, rng):
    """1-3 point lights of varied colour, most in a ceiling fixture."""
    X, Y, Z = scene.room
    for _ in range(rng.integers(1, 4)):
        temp = rng.uniform(-1, 1)  # warm (<0) to cool (>0)
        col = np.array([1 - 0.25 * temp, 1 - 0.05 * abs(temp),
                        1 + 0.25 * temp], np.float32)
        x, z = rng.uniform(0.3, X - 0.3), rng.uniform(0.3, Z - 0.3)
        drop = rng.uniform(0.05, 0.6)
        if rng.random() < 0.7:  # fixture (lamp class), glowing
            r, h = rng.uniform(0.12, 0.3), rng.uniform(0.04, 0.12)
            mat = scene.material(C['lamp'], own=True)
            scene.materials[mat].emissive = float(rng.uniform(1.5, 3.0))
            scene.cyls.append((x, Y - h - 1e-3, z, r, h, C['lamp'],
                               scene.new_instance(), mat))
            drop = h + 0.05
        scene.lights.append((np.array([x, Y - drop, z], np.float32), col,
                             float(rng.uniform(1.5, 5.0))))


def _camera_rotation(yaw, pitch, roll):
    """Columns: camera x (right), y (down), z (forward) in world coords."""
    f = np.array([np.cos(pitch) * np.sin(yaw), np.sin(pitch),
                  np.cos(pitch) * np.cos(yaw)])
    up = np.array([0.0, 1.0, 0.0])
    r = np.cross(f, up)
    r /= np.linalg.norm(r)
    d = np.cross(f, r)
    cr, sr = np.cos(roll), np.sin(roll)
    r, d = cr * r + sr * d, -sr * r + cr * d
    return np.stack([r, d, f], axis=1)


# ---------------------------------------------------------------------------
# Ray casting
# ---------------------------------------------------------------------------
def _screen_rect(corners_w, cam, R, K, H, W):
    """Pixel rectangle (y0, y1, x0, x1) covering world points, or full."""
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
    s = np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1)
                  for k in (-1, 1)], np.float64)
    p = s * np.array([hx, hy, hz])
    c, sn = np.cos(yaw), np.sin(yaw)
    x = c * p[:, 0] + sn * p[:, 2]
    z = -sn * p[:, 0] + c * p[:, 2]
    return np.stack([x + cx, p[:, 1] + cy, z + cz], 1)


def _cast(scene, cam, R, K, H, W):
    """Nearest hit per pixel: returns t (depth), primitive kind and index."""
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


def _surface(scene, cam, t, kind, index, dw):
    """Per-pixel world normal, surface (u, v), class, instance, material."""
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

    if scene.boxes:
        B = np.array([b[:7] for b in scene.boxes], np.float32)
        meta = np.array([b[7:] for b in scene.boxes], np.int32)
        m = kind == 1
        idx = index[m]
        b = B[idx]
        c, s = np.cos(b[:, 6]), np.sin(b[:, 6])
        q = p[m] - b[:, :3]
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
        normal[m] = nw
        ua = np.array([2, 0, 0])[ax]
        va = np.array([1, 2, 1])[ax]
        r = np.arange(len(ax))
        uv[m] = np.stack([loc[r, ua] + b[:, 3:6][r, ua],
                          loc[r, va] + b[:, 3:6][r, va]], -1)
        cls[m], inst[m], mat[m] = meta[idx, 0], meta[idx, 1], meta[idx, 2]

    if scene.cyls:
        Cy = np.array([c[:5] for c in scene.cyls], np.float32)
        meta = np.array([c[5:] for c in scene.cyls], np.int32)
        m = kind == 2
        idx = index[m]
        cy = Cy[idx]
        q = p[m] - np.stack([cy[:, 0], cy[:, 1], cy[:, 2]], -1)
        rad = np.sqrt(q[:, 0]**2 + q[:, 2]**2)
        cap = (np.abs(q[:, 1]) < 1e-3) | (np.abs(q[:, 1] - cy[:, 4]) < 1e-3)
        cap &= rad < cy[:, 3] * 0.999
        nw = np.stack([q[:, 0], np.zeros_like(rad), q[:, 2]], -1) / np.maximum(
            rad, 1e-6)[:, None]
        nw[cap] = np.array([0, 1, 0], np.float32) * np.where(
            q[cap, 1] > 1e-3, 1, -1)[:, None]
        normal[m] = nw
        ang = np.arctan2(q[:, 2], q[:, 0]) * cy[:, 3]
        uv[m] = np.where(cap[:, None], q[:, [0, 2]], np.stack([ang, q[:, 1]],
                                                              -1))
        cls[m], inst[m], mat[m] = meta[idx, 0], meta[idx, 1], meta[idx, 2]

    if scene.spheres:
        S = np.array([c[:4] for c in scene.spheres], np.float32)
        meta = np.array([c[4:] for c in scene.spheres], np.int32)
        m = kind == 3
        idx = index[m]
        q = p[m] - S[idx, :3]
        nw = q / np.linalg.norm(q, axis=-1, keepdims=True)
        normal[m] = nw
        r = S[idx, 3]
        uv[m] = np.stack([np.arctan2(q[:, 2], q[:, 0]) * r,
                          np.arcsin(np.clip(nw[:, 1], -1, 1)) * r], -1)
        cls[m], inst[m], mat[m] = meta[idx, 0], meta[idx, 1], meta[idx, 2]

    # Unit length and facing the camera (d . n < 0).
    normal /= np.maximum(np.linalg.norm(normal, axis=-1, keepdims=True), 1e-8)
    flip = (normal * dw).sum(-1) > 0
    normal[flip] *= -1
    return p, normal, uv, cls, inst, mat


def _thin_luts():
    """Deletion tables of the two sub-iterations of Lam-Lee-Suen thinning
    (the algorithm of MATLAB's ``bwmorph(..., 'thin', inf)``), indexed by
    the 9-bit code of a 3x3 neighbourhood (bit ``3 * row + col``)."""
    idx = np.arange(512)

    def bit(b):
        return (idx >> b) & 1

    # x1..x8: E, NE, N, NW, W, SW, S, SE; x9 = x1
    x = [None, bit(5), bit(2), bit(1), bit(0), bit(3), bit(6), bit(7),
         bit(8)]
    x.append(x[1])
    crossings = sum((x[2 * i - 1] == 0) & ((x[2 * i] == 1) |
                                           (x[2 * i + 1] == 1))
                    for i in range(1, 5))
    n1 = sum(x[2 * k - 1] | x[2 * k] for k in range(1, 5))
    n2 = sum(x[2 * k] | x[2 * k + 1] for k in range(1, 5))
    nmin = np.minimum(n1, n2)
    base = (bit(4) == 1) & (crossings == 1) & (nmin >= 2) & (nmin <= 3)
    first = ((x[2] | x[3] | (1 - x[8])) & x[1]) == 0
    second = ((x[6] | x[7] | (1 - x[4])) & x[5]) == 0
    return base & first, base & second


_THIN_LUTS = _thin_luts()


def thin_boundaries(mask: np.ndarray) -> np.ndarray:
    """Morphological thinning to one-pixel-wide curves.

    The BSDS benchmark thins predicted boundary maps with MATLAB's
    ``bwmorph(..., 'thin', inf)`` before matching; thinning the ground
    truth the same way makes it a fixed point of that step, so a perfect
    prediction scores an F-measure of 1.

    Args:
        mask (np.ndarray): (H, W) boolean map.

    Returns:
        np.ndarray: (H, W) boolean thinned map.
    """
    m = np.pad(mask.astype(bool), 1)
    H, W = m.shape
    while True:
        changed = False
        for lut in _THIN_LUTS:
            p = np.pad(m, 1)
            code = np.zeros((H, W), np.int32)
            for b, (dy, dx) in enumerate((dy, dx) for dy in range(3)
                                         for dx in range(3)):
                code |= p[dy:dy + H, dx:dx + W].astype(np.int32) << b
            delete = lut[code] & m
            if delete.any():
                m &= ~delete
                changed = True
        if not changed:
            return m[1:-1, 1:-1]


def _boundaries(inst):
    """Thin boundaries between instances: pixels with a 4-neighbour of
    another instance (a two-pixel band), thinned to one pixel."""
    edge = np.zeros(inst.shape, bool)
    dx = inst[:, 1:] != inst[:, :-1]
    dy = inst[1:, :] != inst[:-1, :]
    edge[:, 1:] |= dx
    edge[:, :-1] |= dx
    edge[1:, :] |= dy
    edge[:-1, :] |= dy
    return thin_boundaries(edge)


def _shade(scene, rng, cam, p, normal_w, uv, mat, cls, t, window_dir):
    """Lambertian image (linear RGB) from albedo and scene lights."""
    H, W = t.shape
    noise = _ValueNoise(rng)
    albedo = np.zeros((H, W, 3), np.float32)
    flat_uv = uv.reshape(-1, 2)
    flat_mat = mat.reshape(-1)
    flat_alb = albedo.reshape(-1, 3)
    order = np.argsort(flat_mat, kind='stable')
    bounds = np.searchsorted(flat_mat[order], np.arange(
        len(scene.materials) + 1))
    for k, m in enumerate(scene.materials):
        sel = order[bounds[k]:bounds[k + 1]]
        if len(sel):
            flat_alb[sel] = m.albedo(flat_uv[sel, 0], flat_uv[sel, 1], noise)
    X, Y, Z = scene.room
    ambient = rng.uniform(0.12, 0.4) * (1 + rng.normal(0, 0.06, 3))
    radiance = albedo * ambient.astype(np.float32)
    for lp, col, power in scene.lights:
        lv = lp - p
        d2 = (lv * lv).sum(-1)
        lv /= np.sqrt(d2)[..., None]
        lam = np.clip((normal_w * lv).sum(-1), 0, None) / (1 + d2)
        radiance += albedo * (power * lam)[..., None] * col
    if window_dir is not None:  # soft sunlight through a window
        col = np.array([1.0, 0.95, 0.85], np.float32) * rng.uniform(0.3, 1.0)
        lam = np.clip((normal_w * window_dir).sum(-1), 0, None)
        radiance += albedo * lam[..., None] * col
    # a little specular sheen for glossy materials
    gloss = np.array([m.gloss for m in scene.materials], np.float32)[mat]
    view = cam - p
    view /= np.linalg.norm(view, axis=-1, keepdims=True)
    spec = np.clip((normal_w * view).sum(-1), 0, 1)**8 * gloss * 0.3
    radiance += spec[..., None]
    glow = np.array([m.emissive for m in scene.materials], np.float32)[mat]
    radiance += albedo * glow[..., None]
    return radiance


def _camera_pipeline(rng, radiance):
    """Exposure, vignetting, blur, noise, gamma: 8-bit RGB."""
    import cv2
    H, W, _ = radiance.shape
    expo = rng.uniform(0.55, 0.85) / max(np.percentile(radiance, 95), 1e-3)
    img = radiance * expo
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r2 = ((xx - W / 2) / (W / 2))**2 + ((yy - H / 2) / (H / 2))**2
    img *= (1 - rng.uniform(0.05, 0.3) * r2 / 2)[..., None]
    img *= (1 + rng.normal(0, 0.04, 3)).astype(np.float32)  # white balance
    sigma = rng.uniform(0.3, 0.9)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    shot = rng.uniform(0.002, 0.01)
    img = img + rng.standard_normal(img.shape).astype(np.float32) * np.sqrt(
        np.clip(img, 0, None) * shot + rng.uniform(1e-5, 2e-4))
    img = np.clip(img, 0, 1)**(1 / 2.2)
    return (img * 255 + 0.5).astype(np.uint8)


def render_synthetic_scene(seed_seq, size=(240, 320)):
    """Render one synthetic NYUD-like scene.

    Args:
        seed_seq (int | Sequence[int] | np.random.SeedSequence): Seed of the
            scene; the same seed always gives the same scene.
        size (tuple[int, int]): Output ``(H, W)``.

    Returns:
        dict: ``img`` (H, W, 3) uint8 RGB, ``seg`` (H, W) uint8 NYU-40 ids
        (0 void), ``depth`` (H, W) float32 metres, ``normal`` (H, W, 3)
        float32 unit normals in the OpenCV camera frame, ``edge`` (H, W)
        uint8 0/1, ``instance`` (H, W) int32 and ``meta`` (dict).
    """
    H, W = int(size[0]), int(size[1])
    rng = np.random.default_rng(seed_seq)
    scene, cam, (yaw, pitch, roll), room_type = _build_scene(rng)
    R = _camera_rotation(yaw, pitch, roll)
    K = nyu_intrinsics(H, W)
    t, kind, index, dw = _cast(scene, cam, R, K, H, W)
    p, normal_w, uv, cls, inst, mat = _surface(scene, cam, t, kind, index, dw)
    window_dir = None
    if rng.random() < 0.4 and any(d[5] == C['window'] for d in scene.decals):
        v = np.array([rng.normal(), -rng.uniform(0.3, 1.0), rng.normal()])
        window_dir = (-v / np.linalg.norm(v)).astype(np.float32)
    radiance = _shade(scene, rng, cam, p, normal_w, uv, mat, cls, t,
                      window_dir)
    img = _camera_pipeline(rng, radiance)
    normal_c = (normal_w @ R.astype(np.float32)).astype(np.float32)
    normal_c /= np.linalg.norm(normal_c, axis=-1, keepdims=True)
    depth = t.astype(np.float32)
    edge = _boundaries(inst).astype(np.uint8)
    meta = dict(room_type=room_type, intrinsics=list(K),
                camera_position=cam.tolist(), yaw=float(yaw),
                pitch=float(pitch), roll=float(roll))
    return dict(img=img, seg=cls.astype(np.uint8), depth=depth,
                normal=normal_c, edge=edge, instance=inst, meta=meta)


def _write_one(job):
    import cv2
    out_dir, name, seed_seq, size, jpeg_quality = job
    s = render_synthetic_scene(seed_seq, size)
    cv2.imwrite(osp.join(out_dir, 'images', name + '.jpg'),
                np.ascontiguousarray(s['img'][..., ::-1]),
                [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    cv2.imwrite(osp.join(out_dir, 'segmentation', name + '.png'), s['seg'])
    np.save(osp.join(out_dir, 'depth', name + '.npy'), s['depth'])
    np.save(osp.join(out_dir, 'normals', name + '.npy'), s['normal'])
    np.save(osp.join(out_dir, 'edge', name + '.npy'), s['edge'])
    return name, s['meta']['room_type']


def generate_synthetic_nyud(out_dir: str,
                            num_train: int = 200,
                            num_val: int = 50,
                            size: Sequence[int] = (240, 320),
                            seed: int = 0,
                            workers: int = 1,
                            jpeg_quality: int = 90,
                            progress: bool = False) -> Dict[str, list]:
    """Write a synthetic dataset in the NYUD_MT layout.

    Layout: ``images/<id>.jpg``, ``segmentation/<id>.png`` (uint8 NYU-40 ids,
    0 void), ``depth/<id>.npy`` (float32 metres), ``normals/<id>.npy``
    (HxWx3 float32), ``edge/<id>.npy`` (HxW uint8 0/1) and
    ``gt_sets/{train,val}.txt``, plus ``synthetic_nyud.json`` recording the
    generator arguments and camera intrinsics.

    Scene ``k`` of split ``s`` is seeded by ``(seed, s, k)`` (``s`` 0 for
    train, 1 for val), so a larger set extends a smaller one and the result
    does not depend on ``workers``.

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

    Returns:
        dict[str, list[str]]: The ids written for ``'train'`` and ``'val'``.
    """
    if num_train < 0 or num_val < 0:
        raise ValueError(f'num_train and num_val must be >= 0, got '
                         f'{num_train} and {num_val}')
    if len(size) != 2 or min(size) < 8:
        raise ValueError(f'size must be (H, W) with both >= 8, got {size}')
    size = (int(size[0]), int(size[1]))
    for sub in ('images', 'segmentation', 'depth', 'normals', 'edge',
                'gt_sets'):
        os.makedirs(osp.join(out_dir, sub), exist_ok=True)
    jobs, ids = [], {'train': [], 'val': []}
    for split, code, num in (('train', 0, num_train), ('val', 1, num_val)):
        for k in range(num):
            name = f'{split}_{k:06d}'
            ids[split].append(name)
            jobs.append((out_dir, name, [seed, code, k], size, jpeg_quality))
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
    for split in ('train', 'val'):
        with open(osp.join(out_dir, 'gt_sets', split + '.txt'), 'w') as f:
            f.write(''.join(i + '\n' for i in ids[split]))
    with open(osp.join(out_dir, 'synthetic_nyud.json'), 'w') as f:
        json.dump(dict(generator='mmbin.datasets.synthetic_nyud', seed=seed,
                       num_train=num_train, num_val=num_val, size=list(size),
                       intrinsics=list(nyu_intrinsics(*size)),
                       normal_frame='OpenCV camera frame: x right, y down, '
                       'z forward; normals face the camera',
                       depth='metres along the optical axis'), f, indent=2)
    return ids
