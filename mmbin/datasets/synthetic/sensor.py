# Copyright (c) mmbin contributors. All rights reserved.
"""Image formation of the synthetic scenes: linear radiance to 8-bit RGB.

Exposure (the 95th radiance percentile mapped to 0.55-0.85), vignetting,
white balance, Gaussian blur, shot and read noise and a 2.2 gamma. A still
(:func:`develop_still`) draws all of them from one generator; a video
camera (:func:`lock_camera_settings` then :func:`develop_frame`) fixes the
settings after its first frame and draws only fresh sensor noise per frame.
The two draw in different orders, and each order is kept as it is because
the generated data sets depend on it.
"""
import numpy as np

__all__ = ['develop_frame', 'develop_still', 'lock_camera_settings']


def develop_still(rng: np.random.Generator,
                  radiance: np.ndarray) -> np.ndarray:
    """Exposure, vignetting, blur, noise, gamma: 8-bit RGB.

    Args:
        rng (np.random.Generator): Draws every setting and the noise.
        radiance (np.ndarray): (H, W, 3) float32 linear radiance.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
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


def lock_camera_settings(rng: np.random.Generator,
                         radiance: np.ndarray) -> dict:
    """Camera settings fixed for a whole sequence (from its first frame),
    drawn from the same ranges as :func:`develop_still`.

    Args:
        rng (np.random.Generator): Draws the settings.
        radiance (np.ndarray): (H, W, 3) radiance of the first frame (sets
            the exposure).

    Returns:
        dict: ``exposure``, ``vignette``, ``white_balance`` ((3,)
        float32), ``blur`` (sigma in pixels), ``shot`` and ``read`` (noise
        variances).
    """
    return dict(
        exposure=rng.uniform(0.55, 0.85) /
        max(np.percentile(radiance, 95), 1e-3),
        vignette=rng.uniform(0.05, 0.3),
        white_balance=(1 + rng.normal(0, 0.04, 3)).astype(np.float32),
        blur=rng.uniform(0.3, 0.9),
        shot=rng.uniform(0.002, 0.01),
        read=rng.uniform(1e-5, 2e-4))


def develop_frame(radiance: np.ndarray, settings: dict,
                  noise_rng: np.random.Generator,
                  noise_scale: float) -> np.ndarray:
    """Radiance to 8-bit RGB with locked settings and fresh sensor noise.

    Args:
        radiance (np.ndarray): (H, W, 3) float32 linear radiance.
        settings (dict): From :func:`lock_camera_settings`.
        noise_rng (np.random.Generator): Draws this frame's sensor noise.
        noise_scale (float): Scale of the sensor noise (0: none).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    import cv2
    H, W, _ = radiance.shape
    img = radiance * settings['exposure']
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r2 = ((xx - W / 2) / (W / 2))**2 + ((yy - H / 2) / (H / 2))**2
    img = img * (1 - settings['vignette'] * r2 / 2)[..., None]
    img = img * settings['white_balance']
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), settings['blur'])
    if noise_scale > 0:
        sigma = np.sqrt(np.clip(img, 0, None) * settings['shot'] +
                        settings['read'])
        img = img + noise_scale * noise_rng.standard_normal(
            img.shape).astype(np.float32) * sigma
    img = np.clip(img, 0, 1)**(1 / 2.2)
    return (img * 255 + 0.5).astype(np.uint8)
