# Copyright (c) mmbin contributors. All rights reserved.
"""Reports of computation sharing (``tools/analysis/sharing_report.py``)."""
from .common import (build_report_model, build_task_metric,
                     compute_metrics_quietly, evaluate, find_config,
                     step1_entries, write_sharing_report)
from .image_report import IMAGE_HEADER, sharing_image_report
from .timing import (time_independent_forward, time_model_forward,
                     time_sharing_forward, time_video_frames)
from .video_report import compare_video_reports, sharing_video_report

__all__ = [
    'sharing_image_report', 'sharing_video_report', 'write_sharing_report',
    'compare_video_reports', 'time_sharing_forward',
    'time_independent_forward', 'time_model_forward', 'time_video_frames',
    'IMAGE_HEADER', 'find_config', 'build_report_model', 'build_task_metric',
    'compute_metrics_quietly', 'evaluate', 'step1_entries'
]
