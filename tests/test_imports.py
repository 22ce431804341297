# Copyright (c) mmbin contributors. All rights reserved.
"""The pinned stack imports and the compiled mmcv ops actually run."""
import torch


def test_mmcv_compiled_ops_run():
    import mmcv
    from mmcv.ops import nms, roi_align
    assert mmcv.__version__.startswith('2.')
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                          [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]  # the overlapping box is suppressed
    feat = torch.arange(16.).view(1, 1, 4, 4)
    rois = torch.tensor([[0., 0., 0., 3., 3.]])
    out = roi_align(feat, rois, (1, 1), 1.0, 2, 'avg', True)
    assert out.shape == (1, 1, 1, 1)
    assert torch.isclose(out.flatten()[0], feat[0, 0, :3, :3].mean() + 0.)


def test_openmmlab_models_import():
    import mmdet.models  # noqa: F401
    import mmseg.models  # noqa: F401
    from mmseg.registry import MODELS
    assert MODELS.get('EncoderDecoder') is not None


def test_mmbin_imports_and_registers_loader():
    import mmbin
    from mmengine.runner.checkpoint import CheckpointLoader
    assert isinstance(mmbin.__version__, str)
    loader = CheckpointLoader._get_checkpoint_loader('x.pth')
    assert loader.__module__ == 'mmbin.utils.checkpoint'
