# Copyright (c) mmbin contributors. All rights reserved.
"""Lighting of the synthetic scenes: linear radiance from albedo and lights.

Radiance per pixel is the albedo of the hit surface's material (a
procedural texture, see :mod:`.textures`) times an ambient term plus
Lambertian shading under the scene's point lights (falling off as
``1 / (1 + d^2)``), optional soft sunlight through a window (a directional
light), a small specular sheen for glossy materials and the glow of light
fixtures. Shadows and interreflections are not simulated.
"""
from typing import Optional

import numpy as np

from ..nyu40 import NYU40_ID as C
from .textures import ValueNoise

__all__ = ['draw_sunlight', 'shade']


def draw_sunlight(scene, rng: np.random.Generator) -> Optional[np.ndarray]:
    """Sometimes (40 % of the scenes with a window) a sun direction.

    Args:
        scene (Scene): The scene.
        rng (np.random.Generator): Generator to draw from (one uniform
            always; three more when the sun shines).

    Returns:
        np.ndarray | None: (3,) float32 unit vector from the surfaces toward
        the sun (world frame, pointing up), or None.
    """
    if rng.random() < 0.4 and any(d[5] == C['window'] for d in scene.decals):
        v = np.array([rng.normal(), -rng.uniform(0.3, 1.0), rng.normal()])
        return (-v / np.linalg.norm(v)).astype(np.float32)
    return None


def shade(scene, rng, cam, p, normal_w, uv, mat, sun_dir=None):
    """Lambertian image (linear RGB) from albedo and scene lights.

    Args:
        scene (Scene): The scene (materials and lights).
        rng (np.random.Generator): Draws the texture noise lattice, the
            ambient level and colour and the sunlight strength; the same
            generator state gives the same surfaces and light.
        cam (np.ndarray): (3,) optical centre (world).
        p (np.ndarray): (H, W, 3) world hit points.
        normal_w (np.ndarray): (H, W, 3) unit world normals.
        uv (np.ndarray): (H, W, 2) surface coordinates (metres).
        mat (np.ndarray): (H, W) material indices.
        sun_dir (np.ndarray, optional): Direction toward the sun from
            :func:`draw_sunlight`, or None for no sunlight.

    Returns:
        np.ndarray: (H, W, 3) float32 linear radiance (not normalised).
    """
    H, W = mat.shape
    noise = ValueNoise(rng)
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
    ambient = rng.uniform(0.12, 0.4) * (1 + rng.normal(0, 0.06, 3))
    radiance = albedo * ambient.astype(np.float32)
    for lp, col, power in scene.lights:
        lv = lp - p
        d2 = (lv * lv).sum(-1)
        lv /= np.sqrt(d2)[..., None]
        lam = np.clip((normal_w * lv).sum(-1), 0, None) / (1 + d2)
        radiance += albedo * (power * lam)[..., None] * col
    if sun_dir is not None:  # soft sunlight through a window
        col = np.array([1.0, 0.95, 0.85], np.float32) * rng.uniform(0.3, 1.0)
        lam = np.clip((normal_w * sun_dir).sum(-1), 0, None)
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
