# Copyright (c) mmbin contributors. All rights reserved.
from .multitask_inferencer import IMAGE_EXTENSIONS, MultiTaskInferencer
from .video_inference import infer_video

__all__ = ['MultiTaskInferencer', 'IMAGE_EXTENSIONS', 'infer_video']
