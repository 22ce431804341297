# Copyright (c) mmbin contributors. All rights reserved.
"""Read the metrics that ``tools/test.py`` logged (MMEngine writes them as
JSON lines to ``<work_dir>/<timestamp>/<timestamp>.json``)."""
import glob
import json
import os.path as osp
from typing import Optional


def read_test_metrics(test_dir: str) -> Optional[dict]:
    """Metrics of the latest ``tools/test.py`` run under ``test_dir``.

    Args:
        test_dir (str): The ``--work-dir`` given to ``tools/test.py``.

    Returns:
        dict | None: Every logged key (metrics, and MMEngine's ``time`` and
        ``data_time``) merged over the file's lines; ``None`` when no run
        has written its metrics there yet.
    """
    paths = sorted(glob.glob(osp.join(test_dir, '*', '*.json')))
    if not paths:
        return None
    metrics = {}
    with open(paths[-1]) as f:
        for line in f:
            if line.strip():
                metrics.update(json.loads(line))
    return metrics
