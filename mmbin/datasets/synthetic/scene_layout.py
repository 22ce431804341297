# Copyright (c) mmbin contributors. All rights reserved.
"""Scene layout: sample a room, furnish it and light it.

:func:`build_scene` draws the room size and type, a hand-held camera pose
near one wall (NYU frames are shot from a Kinect held a little below eye
level, looking into the room and slightly down), flat wall and floor
objects (doors, windows with blinds or curtains, pictures, whiteboards,
mirrors, towels, floor mats, columns), the furniture that
:data:`~.furniture.ROOM_TYPES` lists for the room type (backed onto a wall
or free-standing, never within 0.7 m of the camera), and 1-3 point lights.
"""
import numpy as np

from ..nyu40 import NYU40_ID as C
from .camera import CameraPose
from .furniture import ROOM_TYPES
from .scene import Scene, SceneObject

__all__ = ['build_scene']


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
    """Stand ``obj`` anywhere, turned at random; True if it found room."""
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
    """Whether floor point ``p`` is closer than ``r`` to rectangle ``rect``."""
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
        o = SceneObject(scene, C['otherstructure'], w, w)
        o.box(C['otherstructure'], 0, Y / 2, 0, w / 2, Y / 2 - 1e-3, w / 2)
        _place_wall(scene, rng, o, [0, 1, 5], cam_xz, 0.8)


def _curtain(scene, face, u, w, top):
    """A curtain of width ``w`` hanging 4 cm off wall ``face`` at ``u``."""
    X, _, Z = scene.room
    o = SceneObject(scene, C['curtain'], w, 0.04)
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


def build_scene(rng: np.random.Generator) -> Scene:
    """Sample a furnished, lit room and a camera pose inside it.

    Args:
        rng (np.random.Generator): Draws everything; the scene keeps it to
            draw materials later (see :meth:`Scene.material`).

    Returns:
        Scene: The scene, with ``room_type`` and ``start_pose`` set.
    """
    X, Y, Z = rng.uniform(3.0, 6.5), rng.uniform(2.4, 3.1), rng.uniform(
        3.0, 7.0)
    scene = Scene(rng, (X, Y, Z))
    names = list(ROOM_TYPES)
    weights = np.array([ROOM_TYPES[n][0] for n in names], float)
    room_type = names[rng.choice(len(names), p=weights / weights.sum())]
    # NYU frames are shot from a hand-held Kinect near one wall, looking
    # into the room and slightly down.
    cam = np.array([rng.uniform(0.25, 0.75) * X, rng.uniform(1.0, 1.7),
                    rng.uniform(0.15, 0.9)], np.float32)
    cam_xz = (cam[0], cam[2])
    _add_wall_decals(scene, rng, room_type, cam_xz)
    for builder, lo, hi, backed in ROOM_TYPES[room_type][1]:
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
    scene.room_type = room_type
    scene.start_pose = CameraPose(cam, yaw, pitch, roll)
    return scene
