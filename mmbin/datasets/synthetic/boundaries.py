# Copyright (c) mmbin contributors. All rights reserved.
"""One-pixel boundary maps of the synthetic scenes.

NYUD's boundaries follow its instance annotation; PASCAL-Context's maps
are a 4-neighbour Laplacian of the labels, thinned. The generator applies
that recipe to its instance map (:func:`instance_boundaries`), with the
Lam-Lee-Suen thinning of MATLAB's ``bwmorph(..., 'thin', inf)``
(:func:`thin_boundaries`), the step the BSDS benchmark applies to
predictions, so the ground truth is a fixed point of it.

Written here because none of mmbin's dependencies thins: scikit-image is
not one of them and OpenCV's ``ximgproc.thinning`` is in the contrib build
only (and implements Zhang-Suen and Guo-Hall, not MATLAB's algorithm).

References:
    L. Lam, S.-W. Lee and C. Y. Suen, "Thinning methodologies - a
    comprehensive survey", IEEE TPAMI 14(9), 1992.
"""
import numpy as np

__all__ = ['instance_boundaries', 'thin_boundaries']


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


def instance_boundaries(inst: np.ndarray) -> np.ndarray:
    """Thin boundaries between instances: pixels with a 4-neighbour of
    another instance (a two-pixel band), thinned to one pixel.

    Args:
        inst (np.ndarray): (H, W) integer instance map.

    Returns:
        np.ndarray: (H, W) boolean boundary map.
    """
    edge = np.zeros(inst.shape, bool)
    dx = inst[:, 1:] != inst[:, :-1]
    dy = inst[1:, :] != inst[:-1, :]
    edge[:, 1:] |= dx
    edge[:, :-1] |= dx
    edge[1:, :] |= dy
    edge[:-1, :] |= dy
    return thin_boundaries(edge)
