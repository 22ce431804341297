# Copyright (c) mmbin contributors. All rights reserved.
"""Run a :class:`MultiTaskInferencer` on a video, frame by frame."""
import os.path as osp
from typing import Optional, Tuple

import cv2
import mmcv
import mmengine
from mmengine.utils import ProgressBar

from .multitask_inferencer import MultiTaskInferencer

__all__ = ['infer_video']


def infer_video(inferencer: MultiTaskInferencer,
                video: str,
                out_dir: str,
                write_video: bool = True,
                save_frames: bool = False,
                save_npy: bool = False,
                depth_range: Optional[Tuple[float, float]] = None,
                opacity: float = 0.6,
                max_frames: Optional[int] = None,
                fps: Optional[float] = None,
                show_progress: bool = True) -> dict:
    """Predict every frame of a video and write the panels as a video
    and / or the per-frame pictures and maps.

    Frames are read with OpenCV (``cv2.VideoCapture``) and passed to the
    inferencer as BGR arrays, one at a time; frame ``i`` is named with the
    8-digit counter ``i`` in the frame files
    (``frames/vis/00000012_depth.png``, ``frames/pred/00000012_depth.npy``).
    A fixed ``depth_range`` keeps the depth colours comparable across
    frames.

    Args:
        inferencer (MultiTaskInferencer): A fresh inferencer (its counters
            name the frames).
        video (str): Video file OpenCV can read (``.mp4``, ``.avi``, ...).
        out_dir (str): Output folder.
        write_video (bool): Write ``out_dir/<video name>_panel.mp4`` (the
            panels, ``mp4v``). Defaults to True.
        save_frames (bool): Write every frame's pictures to
            ``out_dir/frames/vis``. Defaults to False.
        save_npy (bool): Write every frame's raw maps to
            ``out_dir/frames/pred``. Defaults to False.
        depth_range (tuple[float, float], optional): Depth colour scale
            (metres); per frame by default.
        opacity (float): Opacity of the label overlays. Defaults to 0.6.
        max_frames (int, optional): Stop after this many frames.
        fps (float, optional): Frame rate of the written video; defaults to
            the input's (25 if it does not say).
        show_progress (bool): Progress bar. Defaults to True.

    Returns:
        dict: ``frames`` (number processed), ``video`` (path written or
        None), ``frames_dir`` (or None), ``size`` (``(w, h)`` of the
        panel video).

    Raises:
        FileNotFoundError: If ``video`` does not exist.
        ValueError: If OpenCV cannot decode it, or it has no frame.
    """
    if not osp.isfile(video):
        raise FileNotFoundError(f'video {video!r} does not exist')
    if not (write_video or save_frames or save_npy):
        raise ValueError('nothing to write: enable write_video, save_frames '
                         'or save_npy')
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise ValueError(f'OpenCV cannot open {video!r} as a video (is it a '
                         'video file? for images use demo/image_demo.py)')
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    if max_frames is not None:
        total = min(total, max_frames) if total > 0 else max_frames
    fps = fps or cap.get(cv2.CAP_PROP_FPS) or 25.0
    mmengine.mkdir_or_exist(out_dir)
    frames_dir = osp.join(out_dir, 'frames') if (save_frames
                                                 or save_npy) else ''
    name = osp.splitext(osp.basename(video))[0]
    video_path = osp.join(out_dir, f'{name}_panel.mp4') if write_video \
        else None
    writer = None
    size = None
    count = 0
    bar = ProgressBar(total) if show_progress and total > 0 else None
    try:
        while max_frames is None or count < max_frames:
            ok, frame = cap.read()
            if not ok:
                break
            result = inferencer(
                frame,
                return_vis=True,
                out_dir=frames_dir,
                img_out_dir='vis' if save_frames else '',
                save_npy=save_npy,
                return_predictions=False,
                depth_range=depth_range,
                opacity=opacity)
            panel = result['visualization']['panel']
            if write_video:
                if writer is None:
                    size = (panel.shape[1], panel.shape[0])
                    writer = cv2.VideoWriter(video_path,
                                             cv2.VideoWriter_fourcc(*'mp4v'),
                                             fps, size)
                    if not writer.isOpened():
                        raise RuntimeError(
                            f'OpenCV cannot write {video_path!r} (mp4v)')
                if (panel.shape[1], panel.shape[0]) != size:
                    panel = mmcv.imresize(panel, size)
                writer.write(mmcv.rgb2bgr(panel))
            count += 1
            if bar is not None:
                bar.update()
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    if bar is not None:
        print()
    if count == 0:
        raise ValueError(f'{video!r} has no readable frame')
    return dict(
        frames=count,
        video=video_path,
        frames_dir=frames_dir or None,
        size=size)
