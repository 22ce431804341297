# Copyright (c) mmbin contributors. All rights reserved.
"""OpenVINO latency of a benchmark row: 1-bit for binary models, fp32 for
FP models (int8 only with NNCF)."""
import pytest

pytest.importorskip('openvino')

from _helpers.multitask import tiny_multitask_cfg  # noqa: E402
from _helpers.randomize import randomize_trained  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402

from mmbin.deploy.row_latency import openvino_row_latency  # noqa: E402


def test_binary_and_fp_rows(tmp_path):
    init_default_scope('mmseg')
    binary = randomize_trained(MODELS.build(tiny_multitask_cfg(binary=True)))
    fp = randomize_trained(MODELS.build(tiny_multitask_cfg()))
    b = openvino_row_latency(binary.eval(), (32, 32), threads=1, warmup=1,
                             runs=2, work_dir=str(tmp_path / 'b'))
    assert b['precision'] == '1-bit' and b['ms'] > 0
    assert b['int8_ms'] is None and b['input_shape'] == [1, 3, 32, 32]
    assert (tmp_path / 'b' / 'ir').exists()
    f = openvino_row_latency(fp.eval(), (32, 32), threads=1, warmup=1,
                             runs=2)
    assert f['precision'] == 'fp32' and f['ms'] > 0
    try:
        import nncf  # noqa: F401
    except ImportError:
        assert f['int8_ms'] is None
    else:  # the deploy extra installs NNCF: the FP row gets its int8 time
        assert f['int8_ms'] > 0
    with pytest.raises(ValueError, match='runs >= 1'):
        openvino_row_latency(fp, (32, 32), runs=0)
