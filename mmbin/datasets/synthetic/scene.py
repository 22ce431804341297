# Copyright (c) mmbin contributors. All rights reserved.
"""The scene description of the synthetic generator: a box room and the
primitives (boxes, vertical cylinders, spheres, flat wall decals) and point
lights in it, plus the composite objects the furniture is built from.

World frame: y up, metres; the room spans ``[0, X] x [0, Y] x [0, Z]``.
Instances 0..5 are the room faces (x = 0, x = X, floor, ceiling, z = 0,
z = Z); every object part, decal and light fixture gets its own instance
id after them, which is what the boundary maps follow.
"""
from typing import Dict, Optional

import numpy as np

from .camera import CameraPose
from .textures import Material

__all__ = ['Scene', 'SceneObject']


class Scene:
    """Primitives of one room in world coordinates (y up, metres).

    The primitive lists are plain tuples, read by the ray caster
    (:mod:`.raycast`) and the surface pass (:mod:`.surface`):

    * ``boxes``: ``(cx, cy, cz, hx, hy, hz, yaw, cls, inst, mat)``, an
      oriented box with half-extents ``h*`` turned by ``yaw`` about y;
    * ``cyls``: ``(cx, y0, cz, r, height, cls, inst, mat)``, a vertical
      cylinder standing on ``y0``;
    * ``spheres``: ``(cx, cy, cz, r, cls, inst, mat)``;
    * ``decals``: ``(face, u0, u1, v0, v1, cls, inst, mat)``, a rectangle
      painted on a room face in that face's ``(u, v)`` coordinates;
    * ``lights``: ``(position (3,), colour (3,), power)`` point lights.

    Args:
        rng (np.random.Generator): Draws the materials (kept as ``rng``).
        room (Sequence[float]): Room extents ``(X, Y, Z)`` in metres.

    Attributes:
        room_type (str): Set by :func:`~.scene_layout.build_scene`.
        start_pose (CameraPose): The camera pose the layout was planned
            around (kept free of furniture), set by
            :func:`~.scene_layout.build_scene`.
    """

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
        self.room_type: Optional[str] = None
        self.start_pose: Optional[CameraPose] = None

    def material(self, cls: int, own: bool = False) -> int:
        """Index of the scene material of class ``cls`` (or a fresh one).

        Args:
            cls (int): NYU-40 id (0 void).
            own (bool): Draw a new material for this caller only instead of
                sharing the class's material. Defaults to False.

        Returns:
            int: Index into :attr:`materials`.
        """
        if own or cls not in self._class_mat:
            self.materials.append(Material(self.rng, cls))
            if own:
                return len(self.materials) - 1
            self._class_mat[cls] = len(self.materials) - 1
        return self._class_mat[cls]

    def material_state(self) -> tuple:
        """A copy of the material bookkeeping, for :meth:`restore_materials`.

        The surface pass may draw materials lazily (wall paints, floor,
        ceiling); rendering several views of one scene with identical
        surfaces restores this state and the material generator first.

        Returns:
            tuple: Opaque state.
        """
        return list(self.materials), dict(self._class_mat)

    def restore_materials(self, state: tuple,
                          rng: np.random.Generator) -> None:
        """Go back to a :meth:`material_state` and draw new materials from
        ``rng`` from now on.

        Args:
            state (tuple): From :meth:`material_state`.
            rng (np.random.Generator): The new material generator.
        """
        materials, class_mat = state
        self.materials = list(materials)
        self._class_mat = dict(class_mat)
        self.rng = rng

    def new_instance(self) -> int:
        """A fresh instance id.

        Returns:
            int: The id.
        """
        self.num_inst += 1
        return self.num_inst - 1

    def free(self, rect, margin=0.05) -> bool:
        """Whether a floor rectangle lies in the room and clear of the
        footprints placed so far.

        Args:
            rect (tuple[float]): ``(x0, x1, z0, z1)`` in metres.
            margin (float): Clearance to other footprints. Defaults to 0.05.

        Returns:
            bool: True if the rectangle is free.
        """
        x0, x1, z0, z1 = rect
        X, _, Z = self.room
        if x0 < -1e-6 or z0 < -1e-6 or x1 > X + 1e-6 or z1 > Z + 1e-6:
            return False
        for a0, a1, b0, b1 in self.footprints:
            if (x0 < a1 + margin and a0 < x1 + margin and z0 < b1 + margin
                    and b0 < z1 + margin):
                return False
        return True


class SceneObject:
    """A composite object built in a local frame, then placed in the room.

    Local frame: origin on the floor at the footprint centre, x to the
    object's right, y up, z toward its front (away from the wall it backs on).
    Parts with the same ``tag`` form one instance once placed.

    Args:
        scene (Scene): The scene it will be placed in.
        cls (int): NYU-40 id of the object as a whole.
        width (float): Footprint width along local x (metres).
        depth (float): Footprint depth along local z (metres).
    """

    def __init__(self, scene: Scene, cls: int, width: float, depth: float):
        self.scene, self.cls = scene, cls
        self.width, self.depth = width, depth
        self.parts = []  # ('box'|'cyl'|'sph', params, cls, tag, mat)

    def box(self, cls, x, y, z, hx, hy, hz, yaw=0.0, tag=0, mat=None):
        """Add a box centred at ``(x, y, z)`` with half-extents ``h*``."""
        self.parts.append(('box', (x, y, z, hx, hy, hz, yaw), cls, tag, mat))

    def cyl(self, cls, x, y0, z, r, h, tag=0, mat=None):
        """Add a vertical cylinder of radius ``r`` from ``y0`` to
        ``y0 + h``."""
        self.parts.append(('cyl', (x, y0, z, r, h), cls, tag, mat))

    def sph(self, cls, x, y, z, r, tag=0, mat=None):
        """Add a sphere of radius ``r`` centred at ``(x, y, z)``."""
        self.parts.append(('sph', (x, y, z, r), cls, tag, mat))

    def merge(self, other: 'SceneObject', x: float, z: float, yaw: float,
              tag_offset: int) -> None:
        """Add ``other``'s parts at local (x, z) turned by ``yaw``.

        Args:
            other (SceneObject): Object to merge in.
            x (float): Local x of ``other``'s origin.
            z (float): Local z of ``other``'s origin.
            yaw (float): Turn of ``other`` about y (radians).
            tag_offset (int): Added to ``other``'s tags, so its instances
                stay separate.
        """
        c, sn = np.cos(yaw), np.sin(yaw)
        for kind, p, cls, tag, mat in other.parts:
            px, pz = p[0], p[2]
            q = list(p)
            q[0], q[2] = x + c * px + sn * pz, z - sn * px + c * pz
            if kind == 'box':
                q[6] = p[6] + yaw
            self.parts.append((kind, tuple(q), cls, tag + tag_offset, mat))

    def place(self, x, z, yaw):
        """Add the parts to the scene at floor point (x, z) rotated by yaw.

        Args:
            x (float): World x of the local origin.
            z (float): World z of the local origin.
            yaw (float): Turn about y (radians).
        """
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
