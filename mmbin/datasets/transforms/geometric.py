# Copyright (c) mmbin contributors. All rights reserved.
"""Geometric transforms that keep every task map aligned with the image.

mmseg's ``Resize``, ``RandomCrop`` and ``RandomFlip`` move the maps in
``seg_fields`` with the image.  Surface normals need more: they are vectors
in the camera frame, so a horizontal flip negates their x component, and an
interpolating resize must re-normalise them.  These subclasses add that for
the maps in ``normal_fields`` and otherwise behave like mmseg's (random
scaling is mmcv's ``RandomResize`` with ``resize_type='MultiTaskResize'``;
photometric changes are mmseg's ``PhotoMetricDistortion``, which touches
the image only).
"""
import mmcv
import numpy as np
from mmseg.datasets.transforms import RandomCrop, RandomFlip, Resize
from mmseg.registry import TRANSFORMS

# Flag set by MultiTaskRandomFlip so that PackMultiTaskInputs can tell a
# normal-aware flip from a plain one that left the normals unflipped.
NORMALS_FOLLOW_FLIP = 'normals_follow_flip'


def renormalize(normal: np.ndarray, valid: np.ndarray = None) -> np.ndarray:
    """Unit-normalise normals; invalid or zero-length vectors become 0.

    Args:
        normal (np.ndarray): (H, W, 3) normals.
        valid (np.ndarray, optional): (H, W) bool validity mask.

    Returns:
        np.ndarray: (H, W, 3) float32 unit normals or zero vectors.
    """
    norm = np.linalg.norm(normal, axis=2, keepdims=True)
    ok = norm > 1e-6
    if valid is not None:
        ok &= valid[..., None]
    return np.where(ok, normal / np.maximum(norm, 1e-6), 0.0).astype(
        np.float32)


@TRANSFORMS.register_module()
class MultiTaskResize(Resize):
    """Resize the image and every task map to exactly the new image size.

    Label maps, edges, parts and saliency use nearest interpolation; depth
    uses ``depth_interpolation`` (nearest by default, so invalid zeros never
    blend into valid depth) and keeps its values (metres are not scaled
    with the image); normals use ``normal_interpolation`` and are
    re-normalised, with pixels whose nearest source normal was invalid
    kept invalid.

    Args:
        depth_interpolation (str): ``'nearest'`` or ``'bilinear'``.
            Defaults to 'nearest'.
        normal_interpolation (str): ``'nearest'`` or ``'bilinear'``.
            Defaults to 'nearest'.
        **kwargs: Arguments of :class:`mmseg.datasets.transforms.Resize`
            (``scale``, ``scale_factor``, ``keep_ratio``, ...).
    """

    def __init__(self,
                 depth_interpolation: str = 'nearest',
                 normal_interpolation: str = 'nearest',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        for name, v in (('depth_interpolation', depth_interpolation),
                        ('normal_interpolation', normal_interpolation)):
            if v not in ('nearest', 'bilinear'):
                raise ValueError(f'MultiTaskResize: {name} must be '
                                 f"'nearest' or 'bilinear', got {v!r}")
        self.depth_interpolation = depth_interpolation
        self.normal_interpolation = normal_interpolation

    def _resize_seg(self, results: dict) -> None:
        """Resize ``seg_fields`` and ``normal_fields`` to the image size."""
        h, w = results['img'].shape[:2]
        for key in results.get('seg_fields', []):
            gt = results.get(key)
            if gt is None or gt.shape[:2] == (h, w):
                continue
            if key == 'gt_depth_map' and \
                    self.depth_interpolation == 'bilinear':
                valid = (gt > 0).astype(np.uint8)
                num = mmcv.imresize(gt * valid, (w, h),
                                    interpolation='bilinear',
                                    backend=self.backend)
                den = mmcv.imresize(valid.astype(np.float32), (w, h),
                                    interpolation='bilinear',
                                    backend=self.backend)
                keep = mmcv.imresize(valid, (w, h), interpolation='nearest',
                                     backend=self.backend) > 0
                results[key] = np.where(keep & (den > 1e-6),
                                        num / np.maximum(den, 1e-6),
                                        0).astype(np.float32)
            else:
                results[key] = mmcv.imresize(
                    gt, (w, h), interpolation='nearest', backend=self.backend)
        for key in results.get('normal_fields', []):
            gt = results.get(key)
            if gt is None or gt.shape[:2] == (h, w):
                continue
            valid = (np.abs(gt).sum(-1) > 0).astype(np.uint8)
            valid = mmcv.imresize(valid, (w, h), interpolation='nearest',
                                  backend=self.backend) > 0
            out = mmcv.imresize(gt.astype(np.float32), (w, h),
                                interpolation=self.normal_interpolation,
                                backend=self.backend)
            results[key] = renormalize(out, valid)

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] +
                f', depth_interpolation={self.depth_interpolation}, '
                f'normal_interpolation={self.normal_interpolation})')


@TRANSFORMS.register_module()
class MultiTaskRandomCrop(RandomCrop):
    """mmseg ``RandomCrop`` that also crops ``normal_fields``.

    ``cat_max_ratio`` (re-drawing crops dominated by one class) uses
    ``gt_seg_map`` and is skipped when the sample has no semantic map.

    Args:
        crop_size (int | tuple[int, int]): ``(h, w)`` of the crop.
        cat_max_ratio (float): Largest share one class may take of a crop.
            Defaults to 1 (off).
        ignore_index (int): Label ignored by ``cat_max_ratio``.
            Defaults to 255.
    """

    def transform(self, results: dict) -> dict:
        """Crop the image and every task map with the same window."""
        ratio = self.cat_max_ratio
        if 'gt_seg_map' not in results:
            self.cat_max_ratio = 1.0
        try:
            bbox = self.crop_bbox(results)
        finally:
            self.cat_max_ratio = ratio
        results['img'] = self.crop(results['img'], bbox)
        for key in list(results.get('seg_fields', [])) + list(
                results.get('normal_fields', [])):
            if results.get(key) is not None:
                results[key] = self.crop(results[key], bbox)
        results['img_shape'] = results['img'].shape[:2]
        return results


@TRANSFORMS.register_module()
class MultiTaskRandomFlip(RandomFlip):
    """mmseg ``RandomFlip`` that flips normals as vectors.

    A horizontal flip mirrors the maps and negates the normals' x
    component; a vertical flip negates y; a diagonal flip both.  The camera
    frame is OpenCV's (x right, y down, z forward).

    Args:
        prob (float | list[float]): Flip probability.
        direction (str | list[str]): ``'horizontal'``, ``'vertical'`` or
            ``'diagonal'``. Defaults to 'horizontal'.
    """

    _SIGN_AXES = dict(horizontal=(0, ), vertical=(1, ), diagonal=(0, 1))

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        direction = results['flip_direction']
        for key in results.get('normal_fields', []):
            normal = results.get(key)
            if normal is None:
                continue
            normal = mmcv.imflip(normal, direction=direction).copy()
            for axis in self._SIGN_AXES[direction]:
                normal[..., axis] = -normal[..., axis]
            results[key] = normal

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        results[NORMALS_FOLLOW_FLIP] = True
        return results
