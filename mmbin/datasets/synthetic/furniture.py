# Copyright (c) mmbin contributors. All rights reserved.
"""Furniture of the synthetic scenes and which of it each room type holds.

Every builder takes the scene and the scene's generator and returns a
:class:`~.scene.SceneObject` in its local frame (origin on the floor at
the footprint centre, z toward the object's front): beds with pillows and
clothes, tables and desks with things on them, chairs, table sets, sofas,
cabinets and dressers, bookshelves with runs of books, wall shelves,
fridges, counters with sinks, toilets, sinks, bathtubs with shower
curtains, floor lamps, people, night stands and floor clutter (boxes,
bags, clothes, other props and unlabelled things).

:data:`ROOM_TYPES` is the grammar of a room: its sampling weight and, per
builder, how many objects to place and whether they back onto a wall.
"""
import numpy as np

from ..nyu40 import NYU40_ID as C
from ..nyu40 import NYU40_VOID as _VOID
from .scene import SceneObject

__all__ = ['ROOM_TYPES']


def _legs(o, cls, w, d, h, t, inset=0.03, tag=0):
    """Four square legs of half-thickness ``t`` and height ``h`` under a
    ``w x d`` top."""
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
    """A bed with a headboard, one or two pillows and sometimes clothes."""
    w, d = rng.uniform(1.0, 1.8), rng.uniform(1.9, 2.2)
    o = SceneObject(s, C['bed'], w, d)
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
    """A table (or, with ``cls`` desk, a desk with side panels and maybe
    a drawer block), with things on it if ``items``."""
    cls = cls or C['table']
    w, d = rng.uniform(0.7, 1.8), rng.uniform(0.6, 1.0)
    h = rng.uniform(0.45, 0.78) if cls == C['table'] else rng.uniform(
        0.7, 0.78)
    o = SceneObject(s, cls, w, d)
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
    o = SceneObject(s, C['table'], w + 1.1, d + 1.1)
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
    """A chair: seat, backrest and four legs."""
    w = rng.uniform(0.4, 0.55)
    o = SceneObject(s, C['chair'], w, w)
    hs = rng.uniform(0.42, 0.5)
    o.box(C['chair'], 0, hs, 0, w / 2, 0.025, w / 2)
    o.box(C['chair'], 0, hs + rng.uniform(0.2, 0.3), -w / 2 + 0.02, w / 2,
          rng.uniform(0.15, 0.3), 0.02)
    _legs(o, C['chair'], w, w, hs - 0.025, 0.018, inset=0.0)
    return o


def _sofa(s, rng):
    """A sofa: seat, backrest, two armrests and up to two cushions."""
    w, d = rng.uniform(1.4, 2.4), rng.uniform(0.8, 1.0)
    o = SceneObject(s, C['sofa'], w, d)
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
    """A cabinet (or another box-like class such as a dresser), tall or
    low; low ones get things on top."""
    cls = cls or C['cabinet']
    w, d = rng.uniform(0.4, 1.6), rng.uniform(0.35, 0.6)
    if tall is None:
        tall = rng.random() < 0.4
    h = rng.uniform(1.2, 2.1) if tall else rng.uniform(0.5, 1.0)
    o = SceneObject(s, cls, w, d)
    o.box(cls, 0, h / 2, 0, w / 2, h / 2, d / 2)
    if not tall:
        _tabletop_items(o, rng, w, d, h, budget=3)
    return o


def _bookshelf(s, rng):
    """An open bookshelf with shelves holding runs of books."""
    w, d, h = rng.uniform(0.6, 1.6), rng.uniform(0.25, 0.4), rng.uniform(
        1.0, 2.2)
    o = SceneObject(s, C['bookshelf'], w, d)
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
    o = SceneObject(s, C['shelves'], w, d)
    y0 = rng.uniform(1.1, 1.5)
    for k in range(rng.integers(1, 3)):
        y = y0 + 0.35 * k
        o.box(C['shelves'], 0, y, 0, w / 2, 0.015, d / 2)
        _tabletop_items(o, rng, w, d, y + 0.015, budget=2)
    return o


def _fridge(s, rng):
    """A refrigerator with a door handle."""
    w, d, h = rng.uniform(0.6, 0.8), rng.uniform(0.6, 0.7), rng.uniform(
        1.5, 1.9)
    o = SceneObject(s, C['refridgerator'], w, d)
    o.box(C['refridgerator'], 0, h / 2, 0, w / 2, h / 2, d / 2)
    o.box(C['refridgerator'], w / 2 - 0.06, h * 0.6, d / 2 + 0.02, 0.015,
          0.2, 0.02)
    return o


def _counter(s, rng):
    """A kitchen counter: top, cabinet below, maybe a sink, things on it."""
    w, d = rng.uniform(1.2, 2.6), rng.uniform(0.55, 0.65)
    o = SceneObject(s, C['counter'], w, d)
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
    """A toilet: bowl (cylinder) and tank."""
    o = SceneObject(s, C['toilet'], 0.4, 0.7)
    o.cyl(C['toilet'], 0, 0, 0.08, 0.18, 0.4)
    o.box(C['toilet'], 0, 0.6, -0.26, 0.2, 0.2, 0.09)
    return o


def _sink(s, rng):
    """A pedestal sink."""
    o = SceneObject(s, C['sink'], 0.55, 0.45)
    o.cyl(C['sink'], 0, 0, 0, 0.07, 0.75)
    o.box(C['sink'], 0, 0.8, 0, 0.27, 0.06, 0.22)
    return o


def _bathtub(s, rng):
    """A bathtub, sometimes with a shower curtain along its front."""
    w = rng.uniform(1.5, 1.8)
    o = SceneObject(s, C['bathtub'], w, 0.75)
    o.box(C['bathtub'], 0, 0.28, 0, w / 2, 0.28, 0.37)
    if rng.random() < 0.6:
        o.box(C['shower curtain'], 0, 1.3, 0.36, w / 2, 0.7, 0.01, tag=1)
    return o


def _lamp(s, rng):
    """A floor lamp: base, pole and shade."""
    o = SceneObject(s, C['lamp'], 0.4, 0.4)
    h = rng.uniform(1.2, 1.7)
    o.cyl(C['lamp'], 0, 0, 0, 0.15, 0.03)
    o.cyl(C['lamp'], 0, 0, 0, 0.015, h)
    o.cyl(C['lamp'], 0, h - 0.1, 0, rng.uniform(0.15, 0.22), 0.3)
    return o


def _person(s, rng):
    """A standing person: legs, torso, arms and head."""
    o = SceneObject(s, C['person'], 0.5, 0.3)
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
        o = SceneObject(s, C['box'], w, d)
        o.box(C['box'], 0, h / 2, 0, w / 2, h / 2, d / 2)
        if rng.random() < 0.3:
            o.box(C['box'], 0, h + h / 4, 0, w / 3, h / 4, d / 3, tag=1,
                  yaw=rng.normal(0, 0.3))
    elif kind == 'bag':
        o = SceneObject(s, C['bag'], 0.4, 0.25)
        o.box(C['bag'], 0, 0.2, 0, 0.18, 0.2, 0.1)
    elif kind == 'clothes':
        o = SceneObject(s, C['clothes'], 0.6, 0.5)
        o.box(C['clothes'], 0, 0.06, 0, 0.28, 0.06, 0.22)
    elif kind == 'otherfurniture':
        w, d, h = rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.6), rng.uniform(
            0.4, 1.2)
        o = SceneObject(s, C['otherfurniture'], w, d)
        o.box(C['otherfurniture'], 0, h / 2, 0, w / 2, h / 2, d / 2)
    else:
        cls = C['otherprop'] if kind == 'otherprop' else _VOID
        r = rng.uniform(0.1, 0.3)
        o = SceneObject(s, cls, 2 * r, 2 * r)
        mat = s.material(cls, own=True)
        if rng.random() < 0.5:
            o.cyl(cls, 0, 0, 0, r, rng.uniform(0.2, 0.9), mat=mat)
        else:
            o.sph(cls, 0, r, 0, r, mat=mat)
    return o


def _nightstand(s, rng):
    """A night stand with things on it."""
    w = rng.uniform(0.4, 0.55)
    o = SceneObject(s, C['night stand'], w, 0.4)
    h = rng.uniform(0.45, 0.65)
    o.box(C['night stand'], 0, h / 2, 0, w / 2, h / 2, 0.2)
    _tabletop_items(o, rng, w, 0.4, h, budget=2)
    return o


#: Room types: ``(weight, [(builder, min count, max count, wall-backed)])``.
ROOM_TYPES = {
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
