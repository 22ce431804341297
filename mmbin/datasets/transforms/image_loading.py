# Copyright (c) mmbin contributors. All rights reserved.
"""Image loading that says which file is broken and what to do."""
from typing import Optional

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import LoadImageFromFile as _MMCVLoadImageFromFile
from mmseg.registry import TRANSFORMS

from .loading import _FIX, MultiTaskDataError


def jpeg_is_truncated(data: bytes) -> bool:
    """Whether JPEG bytes end before the image data does.

    A complete JPEG has a start-of-scan marker (``FF DA``) and an
    end-of-image marker (``FF D9``) after the last one; the entropy-coded
    data between them cannot contain ``FF D9`` (0xFF bytes are stuffed as
    ``FF 00`` there), and an embedded EXIF thumbnail ends before the main
    image's scan.

    Args:
        data (bytes): The file contents.

    Returns:
        bool: True for JPEG data cut inside or before its last scan; False
        for complete JPEGs and for other formats.
    """
    if not data.startswith(b'\xff\xd8'):
        return False
    last_scan = data.rfind(b'\xff\xda')
    return last_scan == -1 or data.rfind(b'\xff\xd9') < last_scan


@TRANSFORMS.register_module()
class LoadImageFromFile(_MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with errors that name the broken file.

    Registered under the same name in MMSegmentation's transform registry on
    purpose: every config (mmbin's and stock MMSegmentation ones run with
    mmbin imported) gets it without edits. It reads and decodes exactly as
    mmcv's transform (same arguments, same results) and differs only where
    mmcv fails unhelpfully:

    - a file that does not decode (mmcv: ``AssertionError: failed to load
      image``, or a backend error) raises :class:`MultiTaskDataError`
      naming the file, the decoder's complaint and what to do;
    - a truncated JPEG, which some OpenCV builds decode silently into a
      partly grey image, raises the same error (checked from the bytes: no
      end-of-image marker after the last scan).

    With ``ignore_empty=True`` both cases return ``None`` as in mmcv (the
    dataset then draws another sample).

    Args:
        **kwargs: The arguments of mmcv's ``LoadImageFromFile``.
    """

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']`` into ``results['img']``.

        Args:
            results (dict): The data info.

        Returns:
            dict | None: ``results`` with ``img``, ``img_shape`` and
            ``ori_shape``; None for an unreadable file when
            ``ignore_empty``.

        Raises:
            FileNotFoundError: The file does not exist.
            MultiTaskDataError: The file is corrupt or truncated.
        """
        path = results['img_path']
        try:
            if self.file_client_args is not None:
                client = fileio.FileClient.infer_client(
                    self.file_client_args, path)
                data = client.get(path)
            else:
                data = fileio.get(path, backend_args=self.backend_args)
        except Exception:
            if self.ignore_empty:
                return None
            raise
        problem, img = None, None
        if jpeg_is_truncated(data):
            problem = (f'the JPEG data ends early ({len(data)} bytes, no '
                       f'end-of-image marker after the image data)')
        else:
            try:
                img = mmcv.imfrombytes(
                    data, flag=self.color_type, backend=self.imdecode_backend)
            except Exception as e:  # decoders raise many types
                problem = f'{type(e).__name__}: {e}'
            if problem is None and (img is None or img.size == 0):
                problem = (f'the {self.imdecode_backend} decoder returned no '
                           f'image from its {len(data)} bytes')
        if problem is not None:
            if self.ignore_empty:
                return None
            raise MultiTaskDataError(
                f'{path}: cannot load the image: {problem}. The file is '
                f'corrupt, truncated or not an image; {_FIX}.')
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results
