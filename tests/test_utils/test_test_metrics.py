# Copyright (c) mmbin contributors. All rights reserved.
"""read_test_metrics: the latest tools/test.py run's JSON lines, merged."""
import json

from mmbin.utils import read_test_metrics


def test_read_test_metrics(tmp_path):
    assert read_test_metrics(str(tmp_path)) is None
    old = tmp_path / '20260101_000000'
    new = tmp_path / '20260102_000000'
    for d, value in ((old, 1.0), (new, 2.0)):
        d.mkdir()
        (d / f'{d.name}.json').write_text(
            json.dumps({'seg/mIoU': value}) + '\n\n' +
            json.dumps({'time': 0.5}) + '\n')
    assert read_test_metrics(str(tmp_path)) == {'seg/mIoU': 2.0, 'time': 0.5}
