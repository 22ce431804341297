# Copyright (c) mmbin contributors. All rights reserved.
"""int8 post-training quantization of an exported OpenVINO model with NNCF,
and the calibration images it needs: what a user who wants a fast CPU model
would try before a binary network (``tools/deploy/benchmark.py``).

Calibration images come from a config's training split, loaded with its
*test* pipeline (no augmentation) and normalised by the model's data
preprocessor, i.e. exactly what the network sees at inference
(:func:`calibration_inputs`). :func:`quantize_openvino_int8` runs NNCF's
default post-training quantization (``nncf.quantize``: min-max statistics
on those images, fast bias correction, symmetric int8 weights per output
channel). On an mmbin binary model the packed ``BinaryConvolution``
layers stay 1-bit; NNCF quantizes the remaining float convolutions (stem,
1x1 convolutions, heads).
"""
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
import openvino as ov
import torch
import torch.nn.functional as F

from .export import ExportedModel
from .ov_binary_ops import restore_thresholds

__all__ = ['calibration_inputs', 'random_calibration_inputs',
           'quantize_openvino_int8']


def _nncf():
    try:
        import nncf
    except ImportError as err:  # pragma: no cover - needs the extra
        raise ImportError(
            'int8 quantization needs NNCF: install the deploy extra with '
            '`pip install -e .[deploy]` (or `pip install nncf`)') from err
    return nncf


def calibration_inputs(config: str,
                       count: int,
                       hw: Optional[Sequence[int]] = None,
                       cfg_options: Optional[dict] = None
                       ) -> List[np.ndarray]:
    """Network inputs of ``count`` training images of ``config``.

    The images are spread evenly over the training split (first, last and
    equally spaced between), loaded with the config's test pipeline and
    passed through the model's data preprocessor (normalisation, padding).

    Args:
        config (str): Config file.
        count (int): Number of images (>= 1; fewer when the split is
            smaller).
        hw (Sequence[int], optional): Resize the network inputs to this
            ``(H, W)`` (bilinear) when the pipeline gives another size,
            e.g. to calibrate a model exported at a different size.
        cfg_options (dict, optional): Overrides merged into the config
            (e.g. the data root).

    Returns:
        list[np.ndarray]: ``count`` float32 arrays ``(1, C, H, W)``.

    Raises:
        ValueError: If ``count`` < 1 or the config has no training split.
        FileNotFoundError: If the config or the split's data do not exist.
    """
    if count < 1:
        raise ValueError(f'calibration_inputs needs count >= 1, got {count}')
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist')
    import mmbin  # noqa: F401  (registers mmbin components)
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS, MODELS

    from mmbin.utils.config_loading import load_config, merge_cfg_options
    cfg = load_config(config)
    merge_cfg_options(cfg, cfg_options)
    if cfg.get('train_dataloader') is None:
        raise ValueError(f'{config}: no train_dataloader to draw '
                         'calibration images from')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg.pipeline = cfg.test_dataloader.dataset.pipeline
    root = ds_cfg.get('data_root')
    if root and not osp.isdir(root):
        raise FileNotFoundError(
            f'{config}: the training split {root!r} does not exist; '
            'generate it (tools/dataset_converters/) or point the config '
            "at it (--cfg-options train_dataloader.dataset.data_root=...)")
    dataset = DATASETS.build(ds_cfg)
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    n = len(dataset)
    idx = sorted({int(round(i)) for i in np.linspace(0, n - 1, min(count, n))})
    out = []
    with torch.no_grad():
        for i in idx:
            x = preprocessor(pseudo_collate([dataset[i]]), False)['inputs']
            x = x.float()
            if hw is not None and tuple(x.shape[2:]) != tuple(hw):
                x = F.interpolate(
                    x, size=tuple(int(v) for v in hw), mode='bilinear',
                    align_corners=False)
            out.append(np.ascontiguousarray(x.numpy(), np.float32))
    return out


def random_calibration_inputs(shape: Sequence[int],
                              count: int,
                              seed: int = 0) -> List[np.ndarray]:
    """Standard-normal stand-ins for normalised images (for latency only:
    the quantization ranges of random inputs say nothing about accuracy).

    Args:
        shape (Sequence[int]): ``(1, C, H, W)``.
        count (int): Number of inputs (>= 1).
        seed (int): Seed. Defaults to 0.

    Returns:
        list[np.ndarray]: float32 arrays.
    """
    if count < 1:
        raise ValueError(f'random_calibration_inputs needs count >= 1, got '
                         f'{count}')
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal(tuple(int(v) for v in shape)).astype(np.float32)
        for _ in range(count)
    ]


def quantize_openvino_int8(model: Union[ExportedModel, ov.Model],
                           calibration: Sequence[np.ndarray],
                           **nncf_kwargs) -> ov.Model:
    """NNCF int8 post-training quantization of an OpenVINO model.

    Args:
        model (ExportedModel | ov.Model): From
            :func:`~.export.export_openvino` (binary models: their
            ``BinaryConvolution`` layers stay 1-bit and their sign
            thresholds are restored after NNCF's graph passes) or any
            ``ov.Model``.
        calibration (Sequence[np.ndarray]): Network inputs
            (:func:`calibration_inputs`); all are used.
        **nncf_kwargs: More arguments of ``nncf.quantize`` (``preset``,
            ``fast_bias_correction``, ``ignored_scope``, ...).

    Returns:
        ov.Model: The quantized model (the input is not modified).

    Raises:
        ValueError: If ``calibration`` is empty.
    """
    if len(calibration) == 0:
        raise ValueError('quantize_openvino_int8 needs at least one '
                         'calibration input')
    nncf = _nncf()
    exported = model if isinstance(model, ExportedModel) else None
    ov_model = exported.ov_model if exported is not None else model
    quantized = nncf.quantize(
        ov_model,
        nncf.Dataset(list(calibration)),
        subset_size=len(calibration),
        **nncf_kwargs)
    if exported is not None and exported.plans:
        restore_thresholds(quantized, exported.plans.values())
        quantized.validate_nodes_and_infer_types()
    return quantized
