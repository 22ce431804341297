# Copyright (c) mmbin contributors. All rights reserved.
"""Loading of the per-task ground-truth maps of multi-task datasets.

mmseg's ``LoadAnnotations`` / ``LoadDepthAnnotation`` read one map each and
do not validate it; this loader reads every task map of a sample in one
step and checks what a broken archive gets wrong (missing or corrupt file,
wrong size, label ids out of range, non-finite values), naming the file.
Values that cannot be ground truth (NaN, infinite, negative or absurdly
large depths; NaN or infinite normals) are marked invalid with a warning
that names the file, once per file and process.
"""
import io
import logging
from typing import Optional, Sequence

import cv2
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log
from mmseg.registry import TRANSFORMS

from ..base_multitask import TASK_PATH_KEYS

# results key of each task's ground-truth map
TASK_GT_KEYS = dict(
    seg='gt_seg_map',
    depth='gt_depth_map',
    normal='gt_normal_map',
    edge='gt_edge_map',
    parts='gt_parts_map',
    saliency='gt_saliency_map')

# Mapping of PASCAL-Part person part names to the 6 human-part classes used
# by ASTMT / MTI-Net / ATRC (1 head, 2 torso, 3 upper arm, 4 lower arm and
# hand, 5 upper leg, 6 lower leg and foot).
HUMAN_PARTS_6 = {
    'hair': 1, 'head': 1, 'lear': 1, 'lebrow': 1, 'leye': 1, 'mouth': 1,
    'nose': 1, 'rear': 1, 'rebrow': 1, 'reye': 1, 'neck': 2, 'torso': 2,
    'luarm': 3, 'ruarm': 3, 'llarm': 4, 'rlarm': 4, 'lhand': 4, 'rhand': 4,
    'luleg': 5, 'ruleg': 5, 'llleg': 6, 'rlleg': 6, 'lfoot': 6, 'rfoot': 6
}
_PERSON_CLASS = 15  # PASCAL VOC class index of 'person'


class MultiTaskDataError(ValueError):
    """A ground-truth file is unreadable or inconsistent with its sample."""


# files already warned about in this process (a data loader worker warns
# about each file once, not once per epoch)
_WARNED_FILES = set()


def warn_invalid_ground_truth(path: str, message: str) -> None:
    """Log ``'<path>: <message>'`` as a warning, once per file and process.

    Args:
        path (str): The ground-truth file.
        message (str): What is wrong with it and what was done.
    """
    if path in _WARNED_FILES:
        return
    _WARNED_FILES.add(path)
    print_log(f'{path}: {message}', logger='current', level=logging.WARNING)


def _count(n: int, total: int) -> str:
    return f'{n} of {total} pixels' + (' (all)' if n == total else '')


# what to do about a file that cannot be read
_FIX = ('replace the file (download, extract or generate the data set '
        'again) or remove this sample from the split file')


def _get_bytes(path: str, backend_args: Optional[dict]) -> bytes:
    if not fileio.exists(path, backend_args):
        raise FileNotFoundError(f'{path}: file not found')
    return fileio.get(path, backend_args=backend_args)


def _decode_image(data: bytes, path: str, what: str,
                  flag: str = 'unchanged') -> np.ndarray:
    try:
        arr = mmcv.imfrombytes(data, flag=flag, backend='pillow')
    except Exception as e:  # PIL raises various errors on corrupt files
        raise MultiTaskDataError(
            f'{path}: cannot decode the {what} ({type(e).__name__}: {e}); '
            f'the file is corrupt or not an image: {_FIX}') from e
    if arr is None or arr.size == 0:
        raise MultiTaskDataError(f'{path}: cannot decode the {what}; the '
                                 f'file is corrupt or empty: {_FIX}')
    return arr


def _decode_npy(data: bytes, path: str, what: str) -> np.ndarray:
    if not data.startswith(b'\x93NUMPY'):
        raise MultiTaskDataError(
            f'{path}: cannot read the {what} as a .npy array: the file does '
            f'not start with the NPY header ({len(data)} bytes); it is '
            f'corrupt or not a .npy file: {_FIX}')
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as e:
        if 'pickle' not in str(e):
            raise MultiTaskDataError(
                f'{path}: cannot read the {what} as a .npy array '
                f'({type(e).__name__}: {e}); the file is corrupt: {_FIX}'
            ) from e
        raise MultiTaskDataError(
            f'{path}: the {what} holds Python objects (an object array), '
            f'which are not unpickled for safety; save it as a numeric '
            f'array (np.save of a float or integer array)') from None
    except Exception as e:
        raise MultiTaskDataError(
            f'{path}: cannot read the {what} as a .npy array '
            f'({type(e).__name__}: {e}); the file is corrupt: {_FIX}') from e


def _decode_mat(data: bytes, path: str, what: str) -> dict:
    from scipy import io as sio
    try:
        return sio.loadmat(io.BytesIO(data), squeeze_me=False)
    except Exception as e:
        raise MultiTaskDataError(
            f'{path}: cannot read the {what} as a MATLAB .mat file '
            f'({type(e).__name__}: {e}): {_FIX}') from e


def label_boundaries(label_map: np.ndarray) -> np.ndarray:
    """Thin (one-pixel) boundaries between regions of a label map.

    The ASTMT/MTI-Net recipe for PASCAL-Context edges: pixels where the
    4-neighbour Laplacian of the label map is non-zero, then morphological
    thinning (pyEdgeEval's port of MATLAB ``bwmorph(..., 'thin', inf)``).

    Args:
        label_map (np.ndarray): (H, W) integer labels.

    Returns:
        np.ndarray: (H, W) uint8 0/1 boundary map.
    """
    lap = cv2.Laplacian(label_map.astype(np.float64), cv2.CV_64F)
    edge = np.abs(lap) > 0
    try:
        from pyEdgeEval.preprocess import binary_thin
        edge = binary_thin(edge)
    except ImportError:  # pragma: no cover - thinning is a refinement
        pass
    return edge.astype(np.uint8)


def _parts_from_mat(mat: dict, path: str, shape) -> np.ndarray:
    """Human-part label map from a PASCAL-Part ``anno`` struct."""
    try:
        objects = mat['anno'][0, 0]['objects'][0]
    except Exception as e:
        raise MultiTaskDataError(
            f'{path}: expected a PASCAL-Part annotation with '
            f'anno.objects ({type(e).__name__}: {e})') from e
    target = None
    for obj in objects:
        if int(np.asarray(obj['class_ind']).squeeze()) != _PERSON_CLASS:
            continue
        parts = obj['parts']
        if parts.size == 0:
            continue
        if target is None:
            target = np.zeros(np.asarray(obj['mask']).shape, np.uint8)
        for part in parts.reshape(-1):
            name = str(np.asarray(part['part_name']).squeeze())
            if name not in HUMAN_PARTS_6:
                raise MultiTaskDataError(
                    f'{path}: unknown person part name {name!r}')
            target[np.asarray(part['mask']).astype(bool)] = HUMAN_PARTS_6[
                name]
    if target is None:  # no annotated person: ignore the whole image
        if shape is None:
            raise MultiTaskDataError(
                f'{path}: no person in this human-part annotation, so the '
                f'map size must come from the image; load the image first')
        return np.full(tuple(shape[:2]), 255, np.uint8)
    return target


@TRANSFORMS.register_module()
class LoadMultiTaskAnnotations(BaseTransform):
    """Load and validate the ground-truth maps of every task of a sample.

    Reads the path keys a multi-task dataset puts in each data info
    (``seg_map_path``, ``depth_map_path``, ``normal_map_path``,
    ``edge_map_path``, ``parts_map_path``, ``saliency_map_path``) and adds:

    - ``gt_seg_map`` (H, W) uint8: class ids, ``reduce_zero_label`` and
      ``label_map`` applied as mmseg does, 255 = ignore;
    - ``gt_depth_map`` (H, W) float32 metres, 0 = invalid (non-finite,
      negative and above-``max_depth`` values become 0, with a warning);
    - ``gt_normal_map`` (H, W, 3) float32 unit normals, zero vector =
      invalid (zero-length normals become zero; non-finite ones too, with
      a warning);
    - ``gt_edge_map`` (H, W) uint8 0/1, 255 = ignore;
    - ``gt_parts_map`` (H, W) uint8 part ids, 255 = ignore;
    - ``gt_saliency_map`` (H, W) uint8 0/1.

    Label-like maps and depth are appended to ``seg_fields`` (mmseg's
    geometric transforms then keep them aligned); normals go to
    ``normal_fields`` because flips must change their sign, which only the
    ``MultiTask*`` transforms do.

    File formats by suffix: ``.npy`` arrays; ``.png``/``.jpg`` images
    (depth PNGs are divided by ``depth_png_scale``; normal PNGs decode as
    ``2 * v / 255 - 1``, and pixels whose code is not a unit vector, such as
    black or grey, are invalid; edge and saliency PNGs as ``v > 127``);
    ``.mat``
    (edges from ``LabelMap`` boundaries, parts from PASCAL-Part ``anno``).

    Args:
        tasks (Sequence[str], optional): Tasks to load; defaults to the
            sample's ``tasks`` (all tasks its dataset was built with).
        depth_png_scale (float): Divisor of 16-bit depth PNGs (values per
            metre). Defaults to 1000.
        max_depth (float): Depths above this many metres are not ground
            truth (e.g. 3e38 from a broken conversion, or millimetres
            stored as metres): they become invalid (0), with a warning.
            Defaults to 1000.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 tasks: Optional[Sequence[str]] = None,
                 depth_png_scale: float = 1000.0,
                 max_depth: float = 1000.0,
                 backend_args: Optional[dict] = None) -> None:
        if tasks is not None:
            unknown = [t for t in tasks if t not in TASK_GT_KEYS]
            if unknown:
                raise ValueError(f'LoadMultiTaskAnnotations: unknown tasks '
                                 f'{unknown}; known: {list(TASK_GT_KEYS)}')
        self.tasks = None if tasks is None else tuple(tasks)
        self.depth_png_scale = float(depth_png_scale)
        if not float(max_depth) > 0:
            raise ValueError(f'LoadMultiTaskAnnotations: max_depth must be '
                             f'> 0 metres, got {max_depth!r}')
        self.max_depth = float(max_depth)
        self.backend_args = backend_args

    # -- per-task decoders --------------------------------------------------
    def _load_seg(self, path: str, results: dict, task: str) -> np.ndarray:
        data = _get_bytes(path, self.backend_args)
        what = f'{task} label map'
        if path.endswith('.npy'):
            seg = _decode_npy(data, path, what)
        else:
            seg = _decode_image(data, path, what)
        seg = np.squeeze(seg)
        if seg.ndim != 2:
            raise MultiTaskDataError(
                f'{path}: the {what} must be single-channel (H, W), got '
                f'shape {seg.shape}; save class ids, not colours')
        if not np.issubdtype(seg.dtype, np.integer):
            if not np.all(np.isfinite(seg)) or np.any(seg != np.round(seg)):
                raise MultiTaskDataError(
                    f'{path}: the {what} holds non-integer values')
        seg = seg.astype(np.int64)
        max_id = results.get('label_ranges', {}).get(task)
        if max_id is not None:
            bad = (seg < 0) | ((seg > max_id) & (seg != 255))
            if bad.any():
                vals = np.unique(seg[bad])[:5].tolist()
                raise MultiTaskDataError(
                    f'{path}: class id(s) {vals} out of range 0..{max_id} '
                    f'(255 = ignore) in the {what}; check the label '
                    f'encoding of this file')
        seg = seg.astype(np.uint8)
        if task == 'seg':
            if results.get('reduce_zero_label', False):
                seg[seg == 0] = 255
                seg = seg - 1
                seg[seg == 254] = 255
            label_map = results.get('label_map')
            if label_map is not None:
                src = seg.copy()
                for old_id, new_id in label_map.items():
                    seg[src == old_id] = new_id
        return seg

    def _load_parts(self, path: str, results: dict) -> np.ndarray:
        if path.endswith('.mat'):
            mat = _decode_mat(_get_bytes(path, self.backend_args), path,
                              'human-part annotation')
            shape = results.get('ori_shape')
            return _parts_from_mat(mat, path, shape)
        return self._load_seg(path, results, 'parts')

    def _load_depth(self, path: str) -> np.ndarray:
        data = _get_bytes(path, self.backend_args)
        if path.endswith('.npy'):
            depth = _decode_npy(data, path, 'depth map').astype(np.float32)
        else:
            depth = _decode_image(data, path, 'depth map').astype(
                np.float32) / self.depth_png_scale
        depth = np.squeeze(depth)
        if depth.ndim != 2:
            raise MultiTaskDataError(f'{path}: the depth map must be (H, W), '
                                     f'got shape {depth.shape}')
        finite = np.isfinite(depth)
        nonfinite = ~finite
        negative = finite & (depth < 0)
        too_far = finite & (depth > self.max_depth)
        invalid = nonfinite | negative | too_far
        if invalid.any():
            problems = []
            if nonfinite.any():
                problems.append(f'{_count(int(nonfinite.sum()), depth.size)}'
                                f' NaN or infinite')
            if negative.any():
                problems.append(f'{_count(int(negative.sum()), depth.size)}'
                                f' negative')
            if too_far.any():
                problems.append(
                    f'{_count(int(too_far.sum()), depth.size)} above '
                    f'max_depth={self.max_depth:g} m (largest '
                    f'{np.max(depth[too_far]):.4g})')
            warn_invalid_ground_truth(
                path, f'depth map with {"; ".join(problems)}: these pixels '
                f'are marked invalid (0, ignored by the depth loss and '
                f'metric). Fix the file if it is not meant to hold them (a '
                f'map in millimetres needs converting to metres).')
            depth = depth.copy()
            depth[invalid] = 0.0
        return depth

    def _load_normal(self, path: str, results: dict) -> np.ndarray:
        data = _get_bytes(path, self.backend_args)
        if path.endswith('.npy'):
            normal = _decode_npy(data, path, 'normal map').astype(np.float32)
        else:  # RGB PNG, 0..255 -> -1..1
            img = _decode_image(data, path, 'normal map', flag='color')
            normal = 2.0 * img[..., ::-1].astype(np.float32) / 255.0 - 1.0
        if normal.ndim != 3 or normal.shape[2] != 3:
            raise MultiTaskDataError(f'{path}: the normal map must be '
                                     f'(H, W, 3), got shape {normal.shape}')
        finite = np.isfinite(normal).all(axis=2)
        normal = np.where(finite[..., None], normal, 0.0).astype(np.float32)
        with np.errstate(over='ignore'):  # reported below
            norm = np.linalg.norm(normal, axis=2, keepdims=True)
        overflow = ~np.isfinite(norm[..., 0])
        if not finite.all() or overflow.any():
            problems = []
            if not finite.all():
                problems.append(f'{_count(int((~finite).sum()), finite.size)}'
                                f' with NaN or infinite components')
            if overflow.any():
                problems.append(f'{_count(int(overflow.sum()), finite.size)}'
                                f' with absurdly long vectors (length '
                                f'overflows float32)')
            warn_invalid_ground_truth(
                path, f'normal map with {"; ".join(problems)}: these pixels '
                f'are marked invalid (zero vector, ignored by the normal '
                f'loss and metric). Fix the file if it is not meant to hold '
                f'them.')
            normal[overflow] = 0.0
            norm[overflow] = 0.0
        valid = norm > 1e-6
        if not path.endswith('.npy'):
            # 8-bit codes of unit vectors decode to length 1 +- 0.01; black
            # (length 1.73) or grey (~0) pixels mark missing normals.
            valid &= np.abs(norm - 1.0) < 0.1
        normal = np.where(valid, normal / np.maximum(norm, 1e-6), 0.0)
        mask_path = results.get('normal_mask_path')
        if mask_path is not None:
            mat = _decode_mat(_get_bytes(mask_path, self.backend_args),
                              mask_path, 'PASCAL-Context label map')
            if 'LabelMap' not in mat:
                raise MultiTaskDataError(f'{mask_path}: no LabelMap variable')
            labels = mat['LabelMap']
            if labels.shape != normal.shape[:2]:
                raise MultiTaskDataError(
                    f'{mask_path}: LabelMap is {labels.shape} but the normal '
                    f'map {path} is {normal.shape[:2]}')
            keep = np.isin(labels, results['normal_valid_labels'])
            normal = normal * keep[..., None]
        return normal.astype(np.float32)

    def _load_binary(self, path: str, what: str) -> np.ndarray:
        data = _get_bytes(path, self.backend_args)
        if path.endswith('.mat'):
            mat = _decode_mat(data, path, what)
            if 'LabelMap' not in mat:
                raise MultiTaskDataError(
                    f'{path}: expected a LabelMap variable to derive the '
                    f'{what} from, found {sorted(k for k in mat if not k.startswith("__"))}'  # noqa: E501
                )
            return label_boundaries(mat['LabelMap'])
        if path.endswith('.npy'):
            arr = np.squeeze(_decode_npy(data, path, what))
            if arr.ndim != 2:
                raise MultiTaskDataError(f'{path}: the {what} must be (H, W), '
                                         f'got shape {arr.shape}')
            arr = np.where(np.isfinite(arr), arr, 255)
            out = (arr > 0.5).astype(np.uint8)
            out[arr == 255] = 255
            return out
        arr = np.squeeze(_decode_image(data, path, what))
        if arr.ndim == 3:
            arr = arr[..., 0]
        if arr.ndim != 2:
            raise MultiTaskDataError(f'{path}: the {what} must be (H, W), '
                                     f'got shape {arr.shape}')
        thr = 127 if arr.dtype == np.uint8 else 0.5 * arr.max()
        return (arr > thr).astype(np.uint8)

    # -- main -----------------------------------------------------------------
    def transform(self, results: dict) -> dict:
        """Load every task map into ``results``.

        Args:
            results (dict): Data info (after ``LoadImageFromFile`` when the
                maps are to be checked against the image size).

        Returns:
            dict: ``results`` with the ``gt_*`` maps added.
        """
        tasks = self.tasks or results.get('tasks') or [
            t for t, k in TASK_PATH_KEYS.items() if results.get(k)
        ]
        results.setdefault('seg_fields', [])
        results.setdefault('normal_fields', [])
        ref_shape = results.get('ori_shape')
        ref_name = results.get('img_path', 'the first map')
        for task in tasks:
            path = results.get(TASK_PATH_KEYS[task])
            if path is None:
                raise KeyError(
                    f'LoadMultiTaskAnnotations: sample '
                    f'{results.get("img_path")} has no {TASK_PATH_KEYS[task]}'
                    f' for task {task!r}; build the dataset with this task')
            if task == 'seg':
                gt = self._load_seg(path, results, 'seg')
            elif task == 'parts':
                gt = self._load_parts(path, results)
            elif task == 'depth':
                gt = self._load_depth(path)
            elif task == 'normal':
                gt = self._load_normal(path, results)
            elif task == 'edge':
                gt = self._load_binary(path, 'edge map')
            else:
                gt = self._load_binary(path, 'saliency map')
            shape = tuple(gt.shape[:2])
            if ref_shape is None:
                ref_shape, ref_name = shape, path
            elif shape != tuple(ref_shape[:2]):
                raise MultiTaskDataError(
                    f'{path}: the {task} map is {shape[0]}x{shape[1]} but '
                    f'{ref_name} is {ref_shape[0]}x{ref_shape[1]}; every '
                    f'map of a sample must have the size of its image')
            key = TASK_GT_KEYS[task]
            results[key] = gt
            fields = results['normal_fields'] if task == 'normal' \
                else results['seg_fields']
            if key not in fields:
                fields.append(key)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(tasks={self.tasks}, '
                f'depth_png_scale={self.depth_png_scale}, '
                f'max_depth={self.max_depth})')
