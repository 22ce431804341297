# Copyright (c) mmbin contributors. All rights reserved.
"""Procedural surface appearance of the synthetic scenes.

Every NYU-40 class has an appearance prior (hue, saturation and value
ranges and the texture kinds it may take: wood, tiles, carpet, fabric,
plaid, book spines, panels, window views, pictures, whiteboard strokes,
...); a :class:`Material` draws one appearance from it per scene, and
:meth:`Material.albedo` evaluates the texture at surface coordinates in
metres with a smooth value noise (:class:`ValueNoise`).

The textures are hand-made for this generator: no library provides cheap,
vectorised, per-class indoor textures evaluated at arbitrary surface points.
"""
import numpy as np

from ..nyu40 import NYU40_ID as C
from ..nyu40 import NYU40_VOID as _VOID

__all__ = ['Material', 'ValueNoise']


class ValueNoise:
    """Smooth 2-D value noise on a random 256x256 lattice, values in [0, 1].

    Args:
        rng (np.random.Generator): Draws the lattice values.
    """

    def __init__(self, rng: np.random.Generator):
        self.table = rng.random((256, 256)).astype(np.float32)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Noise at points ``(x, y)`` (lattice units, wrapping every 256).

        Args:
            x (np.ndarray): First coordinates.
            y (np.ndarray): Second coordinates, same shape.

        Returns:
            np.ndarray: Values in [0, 1], smoothstep-interpolated.
        """
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
        """Fractal sum of ``octaves`` noise octaves, normalised to [0, 1].

        Args:
            x (np.ndarray): First coordinates.
            y (np.ndarray): Second coordinates.
            octaves (int): Octaves (each doubles the frequency and halves
                the amplitude). Defaults to 3.

        Returns:
            np.ndarray: Values in [0, 1].
        """
        out, amp, norm = 0.0, 1.0, 0.0
        for o in range(octaves):
            out = out + amp * self(x * (2**o) + 17.3 * o, y * (2**o) - 9.1 * o)
            norm += amp
            amp *= 0.5
        return out / norm

    def cell(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """A random value in [0, 1] per integer cell (a hash).

        Args:
            i (np.ndarray): Cell indices along the first axis.
            j (np.ndarray): Cell indices along the second axis.

        Returns:
            np.ndarray: One lattice value per cell.
        """
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


class Material:
    """One procedural surface appearance (drawn once per class per scene).

    Args:
        rng (np.random.Generator): Draws the texture kind, colours and
            scales.
        cls (int): NYU-40 id (0 void) whose appearance prior to draw from.
    """

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

    def albedo(self, u, v, noise: ValueNoise) -> np.ndarray:
        """Albedo at surface coordinates ``u, v`` (metres).

        Args:
            u (np.ndarray): (N,) first surface coordinates.
            v (np.ndarray): (N,) second surface coordinates.
            noise (ValueNoise): The scene's texture noise.

        Returns:
            np.ndarray: (N, 3) float32 RGB albedo in [0, 1].
        """
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
