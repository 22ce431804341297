# Copyright (c) mmbin contributors. All rights reserved.
"""Optional difficulty of the synthetic stills: what makes real images hard
and today's stand-in easy, applied to the image only.

Off by default (every level 0): :func:`~.generate.render_synthetic_scene`
then never calls this module and writes exactly what it wrote before.
Each option has a level in ``[0, 1]``:

* ``texture``: material variety. Every instance gets its own colour cast
  and a random high-frequency pattern (oriented stripes, blotches), so
  that the colour and texture of a surface say less about its class and a
  network needs capacity to tell classes apart from shape and context.
* ``shadows``: soft cast shadows and light patches that ignore the
  geometry, crossing object boundaries as real shadows do.
* ``noise``: extra sensor noise (signal-dependent and read noise).
* ``blur``: extra defocus / motion blur.

The label maps (segmentation, depth, normals, boundaries) are not touched,
so they stay exactly as valid as without difficulty; only the image gets
harder. Everything is drawn from a generator of its own, seeded from the
scene's seed, so a scene with difficulty is deterministic and keeps the
same layout, camera and labels as the same scene without it.
"""
from typing import Dict, Optional, Union

import numpy as np

__all__ = ['DIFFICULTY_OPTIONS', 'apply_difficulty', 'parse_difficulty']

#: The options and what each does (levels in [0, 1]; 0 is off).
DIFFICULTY_OPTIONS: Dict[str, str] = {
    'texture': 'per-instance colour cast and random texture',
    'shadows': 'soft cast shadows and light patches across objects',
    'noise': 'extra sensor noise',
    'blur': 'extra defocus / motion blur',
}

#: Appended to a scene's seed to seed the difficulty generator (a stream
#: the scene, camera and sensor never draw from).
_STREAM = 0xD1FF


def parse_difficulty(
        difficulty: Union[None, float, Dict[str, float]]
) -> Optional[Dict[str, float]]:
    """Normalise a difficulty argument to a level per option.

    Args:
        difficulty (None | float | dict): ``None`` or 0 (off); a number in
            ``[0, 1]`` (every option at that level); or a dict of option
            to level (missing options are 0).

    Returns:
        dict | None: Level of every option of :data:`DIFFICULTY_OPTIONS`;
        ``None`` when all are 0 (difficulty off).

    Raises:
        ValueError: Naming an unknown option or a level outside [0, 1].
    """
    if difficulty is None:
        return None
    if isinstance(difficulty, (int, float)) and not isinstance(
            difficulty, bool):
        levels = {k: float(difficulty) for k in DIFFICULTY_OPTIONS}
    elif isinstance(difficulty, dict):
        unknown = sorted(set(difficulty) - set(DIFFICULTY_OPTIONS))
        if unknown:
            raise ValueError(
                f'synthetic difficulty: unknown option(s) {unknown}; known: '
                f'{", ".join(DIFFICULTY_OPTIONS)}')
        levels = {k: float(difficulty.get(k, 0.0)) for k in DIFFICULTY_OPTIONS}
    else:
        raise ValueError(f'synthetic difficulty must be a number in [0, 1] '
                         f'or a dict of option to level, got {difficulty!r}')
    for k, v in levels.items():
        if not 0.0 <= v <= 1.0:
            raise ValueError(f'synthetic difficulty {k!r}: level must be in '
                             f'[0, 1], got {v}')
    return levels if any(levels.values()) else None


def difficulty_rng(seed_seq) -> np.random.Generator:
    """The generator of a scene's difficulty: its own stream of the scene's
    seed (``seed_seq`` as given to the scene: int, list or SeedSequence)."""
    if isinstance(seed_seq, np.random.SeedSequence):
        entropy = seed_seq.entropy
        words = list(entropy) if isinstance(entropy, (list, tuple)) else [
            entropy
        ]
    elif isinstance(seed_seq, (list, tuple)):
        words = [int(s) for s in seed_seq]
    else:
        words = [int(seed_seq)]
    return np.random.default_rng(words + [_STREAM])


def _smooth_noise(rng, shape, scale: float) -> np.ndarray:
    """Smooth random field in about [-1, 1]: noise at a coarse grid,
    resized up bicubically."""
    import cv2
    H, W = shape
    h = max(2, int(round(H / scale)))
    w = max(2, int(round(W / scale)))
    small = rng.standard_normal((h, w)).astype(np.float32)
    field = cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)
    return np.clip(field / 2.0, -1.0, 1.0)


def _texture(rng, radiance, instance, level):
    """Per-instance colour cast and pattern (multiplicative)."""
    H, W, _ = radiance.shape
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    gain = np.ones((H, W, 3), np.float32)
    for inst in np.unique(instance):
        mask = instance == inst
        cast = np.exp(rng.normal(0.0, 0.5 * level, 3)).astype(np.float32)
        theta = rng.uniform(0, np.pi)
        period = rng.uniform(3.0, 12.0)
        phase = rng.uniform(0, 2 * np.pi)
        stripes = np.sin((np.cos(theta) * xx + np.sin(theta) * yy) *
                         (2 * np.pi / period) + phase)
        blotch = _smooth_noise(rng, (H, W), rng.uniform(3.0, 10.0))
        mix = rng.uniform(0, 1)
        pattern = 1.0 + 0.6 * level * (mix * stripes + (1 - mix) * blotch)
        gain[mask] = cast[None, :] * pattern[mask][:, None]
    return radiance * gain


def _shadows(rng, radiance, level):
    """Soft dark and bright patches ignoring the geometry."""
    H, W, _ = radiance.shape
    field = _smooth_noise(rng, (H, W), rng.uniform(6.0, 16.0) * max(
        1.0, min(H, W) / 96))
    # hard-ish shadow edges: a steep sigmoid of the field
    edge = 1.0 / (1.0 + np.exp(-field * rng.uniform(4.0, 10.0)))
    shade = 1.0 - 0.8 * level * (1.0 - edge) + 0.4 * level * (edge - 0.5)
    return radiance * np.clip(shade, 0.05, None)[..., None]


def _blur(rng, img, level):
    """Defocus (Gaussian) or linear motion blur."""
    import cv2
    if rng.uniform() < 0.5:
        sigma = rng.uniform(0.5, 0.5 + 2.0 * level)
        return cv2.GaussianBlur(img, (0, 0), sigma)
    length = max(2, int(round(rng.uniform(1.0, 1.0 + 6.0 * level))))
    kernel = np.zeros((2 * length + 1, 2 * length + 1), np.float32)
    kernel[length, :] = 1.0
    angle = rng.uniform(0, 180)
    rot = cv2.getRotationMatrix2D((length, length), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rot, kernel.shape[::-1])
    kernel /= max(kernel.sum(), 1e-6)
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REFLECT)


def apply_difficulty(levels: Dict[str, float], rng: np.random.Generator,
                     radiance: np.ndarray,
                     instance: np.ndarray) -> np.ndarray:
    """Make a scene's linear radiance harder (before the sensor develops
    it; blur and noise are applied here too, on top of the sensor's own).

    Args:
        levels (dict): From :func:`parse_difficulty` (not ``None``).
        rng (np.random.Generator): From :func:`difficulty_rng`.
        radiance (np.ndarray): (H, W, 3) float32 linear radiance.
        instance (np.ndarray): (H, W) instance ids of the view.

    Returns:
        np.ndarray: (H, W, 3) float32 radiance (a new array).
    """
    out = radiance.astype(np.float32, copy=True)
    # every option draws from the generator whether or not it is on, so
    # that changing one option's level does not change the others' draws
    sub = {k: np.random.default_rng(rng.integers(2**63)) for k in
           ('texture', 'shadows', 'blur', 'noise')}
    if levels['texture'] > 0:
        out = _texture(sub['texture'], out, instance, levels['texture'])
    if levels['shadows'] > 0:
        out = _shadows(sub['shadows'], out, levels['shadows'])
    if levels['blur'] > 0:
        out = _blur(sub['blur'], out, levels['blur'])
    if levels['noise'] > 0:
        r = sub['noise']
        scale = float(np.percentile(out, 95)) or 1.0
        sigma = levels['noise'] * scale * np.sqrt(
            0.02 * np.clip(out / scale, 0, None) + 0.002)
        out = out + r.standard_normal(out.shape).astype(np.float32) * sigma
        out = np.clip(out, 0, None)
    return out.astype(np.float32)
