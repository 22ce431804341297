# Copyright (c) mmbin contributors. All rights reserved.
"""Renderings of dense task maps as RGB images.

mmseg's ``SegLocalVisualizer`` draws semantic maps (and depth without a
scale) on the image; multi-task figures also need depth with its metric
scale, normals and boundaries side by side.  These helpers return uint8 RGB
arrays so the dataset browser and the multi-task visualiser share them.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np


def _np(x) -> np.ndarray:
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _hw(x) -> np.ndarray:
    """A (H, W) array from (H, W) or (1, H, W) input."""
    x = _np(x)
    if x.ndim == 3 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 2:
        raise ValueError(f'expected a (H, W) or (1, H, W) map, got shape '
                         f'{x.shape}')
    return x


def labels_to_rgb(label,
                  palette: Sequence[Sequence[int]],
                  ignore_index: int = 255,
                  ignore_color: Tuple[int, int, int] = (0, 0, 0)
                  ) -> np.ndarray:
    """Colour a label map with a palette.

    Args:
        label: (H, W) or (1, H, W) class ids.
        palette (Sequence): RGB colour per class.
        ignore_index (int): Label drawn in ``ignore_color``.
        ignore_color (tuple): RGB of ignored pixels.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    label = _hw(label).astype(np.int64)
    lut = np.zeros((256, 3), np.uint8)
    pal = np.asarray(palette, np.uint8).reshape(-1, 3)[:256]
    lut[:len(pal)] = pal
    lut[ignore_index % 256] = ignore_color
    return lut[np.clip(label, 0, 255)]


def depth_to_rgb(depth,
                 vmin: Optional[float] = None,
                 vmax: Optional[float] = None,
                 colormap: int = cv2.COLORMAP_TURBO,
                 invalid_color: Tuple[int, int, int] = (0, 0, 0)
                 ) -> Tuple[np.ndarray, float, float]:
    """Colour-map a depth map; invalid (0 or non-finite) pixels are black.

    Args:
        depth: (H, W) or (1, H, W) depth in metres.
        vmin (float, optional): Depth of the first colour; defaults to the
            smallest valid depth.
        vmax (float, optional): Depth of the last colour; defaults to the
            largest valid depth.
        colormap (int): OpenCV colormap. Defaults to turbo.
        invalid_color (tuple): RGB of invalid pixels.

    Returns:
        tuple: ``(rgb, vmin, vmax)`` with rgb (H, W, 3) uint8.
    """
    depth = _hw(depth).astype(np.float32)
    valid = np.isfinite(depth) & (depth > 0)
    if vmin is None:
        vmin = float(depth[valid].min()) if valid.any() else 0.0
    if vmax is None:
        vmax = float(depth[valid].max()) if valid.any() else 1.0
    if vmax <= vmin:
        vmax = vmin + 1e-3
    norm = np.clip((np.where(valid, depth, vmin) - vmin) / (vmax - vmin), 0,
                   1)
    rgb = cv2.applyColorMap((norm * 255).astype(np.uint8),
                            colormap)[..., ::-1].copy()
    rgb[~valid] = invalid_color
    return rgb, vmin, vmax


def colorbar(height: int,
             vmin: float,
             vmax: float,
             width: int = 64,
             colormap: int = cv2.COLORMAP_TURBO,
             unit: str = 'm',
             num_ticks: int = 5) -> np.ndarray:
    """A vertical colour scale with tick labels (top = ``vmax``).

    Args:
        height (int): Height in pixels.
        vmin (float): Value at the bottom.
        vmax (float): Value at the top.
        width (int): Total width including labels. Defaults to 64.
        colormap (int): OpenCV colormap. Defaults to turbo.
        unit (str): Unit appended to the labels. Defaults to 'm'.
        num_ticks (int): Number of labelled ticks. Defaults to 5.

    Returns:
        np.ndarray: (height, width, 3) uint8 RGB on white.
    """
    bar_w = max(8, width // 4)
    out = np.full((height, width, 3), 255, np.uint8)
    ramp = np.linspace(255, 0, height).astype(np.uint8)[:, None]
    bar = cv2.applyColorMap(np.repeat(ramp, bar_w, 1), colormap)[..., ::-1]
    out[:, :bar_w] = bar
    scale = max(0.25, min(0.4, height / 600))
    for k in range(num_ticks):
        frac = k / max(num_ticks - 1, 1)
        y = int(round((1 - frac) * (height - 1)))
        value = vmin + frac * (vmax - vmin)
        cv2.line(out, (bar_w, y), (bar_w + 3, y), (0, 0, 0), 1)
        ty = min(max(y + 4, 10), height - 2)
        cv2.putText(out, f'{value:.1f}{unit}', (bar_w + 5, ty),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return out


def depth_with_scale(depth, vmin=None, vmax=None, bar_width=64):
    """Colour-mapped depth with a metric colour bar on its right.

    Returns:
        np.ndarray: (H, W + bar_width, 3) uint8 RGB.
    """
    rgb, vmin, vmax = depth_to_rgb(depth, vmin, vmax)
    bar = colorbar(rgb.shape[0], vmin, vmax, width=bar_width)
    return np.concatenate([rgb, bar], axis=1)


def normals_to_rgb(normal,
                   invalid_color: Tuple[int, int, int] = (0, 0, 0)
                   ) -> np.ndarray:
    """Normals as RGB ``255 * (n + 1) / 2`` (the usual NYUD rendering).

    Args:
        normal: (3, H, W) or (H, W, 3) normals; zero vectors are invalid.
        invalid_color (tuple): RGB of invalid pixels.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    n = _np(normal).astype(np.float32)
    if n.ndim == 3 and n.shape[0] == 3 and n.shape[-1] != 3:
        n = n.transpose(1, 2, 0)
    norm = np.linalg.norm(n, axis=-1, keepdims=True)
    valid = (norm[..., 0] > 1e-6) & np.all(np.isfinite(n), axis=-1)
    n = np.where(valid[..., None], n / np.maximum(norm, 1e-6), 0)
    rgb = ((n + 1) * 127.5).clip(0, 255).astype(np.uint8)
    rgb[~valid] = invalid_color
    return rgb


def edges_to_rgb(edge,
                 ignore_index: int = 255,
                 color: Tuple[int, int, int] = (255, 255, 255),
                 ignore_color: Tuple[int, int, int] = (96, 96, 96)
                 ) -> np.ndarray:
    """Boundaries (0/1 or probabilities) in ``color`` on black.

    Args:
        edge: (H, W) or (1, H, W) boundary map.
        ignore_index (int): Value drawn in ``ignore_color``.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    e = _hw(edge).astype(np.float32)
    ignore = e == ignore_index
    w = np.clip(np.where(ignore, 0, e), 0, 1)[..., None]
    rgb = (w * np.asarray(color, np.float32)).astype(np.uint8)
    rgb[ignore] = ignore_color
    return rgb


def tile_panels(panels: Sequence[Tuple[str, np.ndarray]],
                title_height: int = 18,
                gap: int = 4) -> np.ndarray:
    """Put titled RGB panels side by side (heights padded to the largest).

    Args:
        panels (Sequence[tuple[str, np.ndarray]]): ``(title, rgb)`` pairs.
        title_height (int): Height of the title strip. Defaults to 18.
        gap (int): White gap between panels. Defaults to 4.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    height = max(p.shape[0] for _, p in panels)
    cols = []
    for title, img in panels:
        img = np.asarray(img, np.uint8)
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, -1)
        col = np.full((height + title_height, img.shape[1], 3), 255, np.uint8)
        col[title_height:title_height + img.shape[0]] = img
        cv2.putText(col, title, (2, title_height - 5),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                    cv2.LINE_AA)
        cols.append(col)
        cols.append(np.full((height + title_height, gap, 3), 255, np.uint8))
    return np.concatenate(cols[:-1], axis=1)
