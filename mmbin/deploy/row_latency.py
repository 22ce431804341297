# Copyright (c) mmbin contributors. All rights reserved.
"""OpenVINO latency of one trained benchmark row at batch 1: the
deployment column of ``tools/benchmark/run_benchmark.py
--deploy-latency``.

Binary models are exported with bit-packed 1-bit convolutions
(:func:`~.export.export_openvino`), FP models as they are (f32); both are
compiled for the CPU (:func:`~.runtime.compile_model`) and timed as the
median of repeated ``infer`` calls after warm-up
(:func:`mmbin.utils.timing.median_ms`), the pieces of
:mod:`mmbin.deploy.benchmark`. int8 (NNCF post-training quantization) is
reported only when ``nncf`` is installed; otherwise ``None`` (shown as
"-"). Eager PyTorch times binary layers as float convolutions, hence this
separate column.
"""
import os.path as osp
import tempfile
from typing import Optional, Sequence

import torch

from mmbin.utils.timing import median_ms
from .export import export_openvino, save_exported
from .runtime import compile_model

__all__ = ['openvino_row_latency']


def _has_binary_layers(model: torch.nn.Module) -> bool:
    from mmbin.analysis.complexity import is_binary_mac_layer
    return any(is_binary_mac_layer(m) for m in model.modules())


def _int8_ms(xml: str, x, threads, warmup, runs) -> Optional[float]:
    """int8 latency via NNCF's post-training quantization
    (:func:`~.quantize.quantize_openvino_int8`, calibrated on the timing
    input: latency only), or ``None`` when NNCF is not installed."""
    try:
        import nncf  # noqa: F401
    except ImportError:
        return None
    from .quantize import quantize_openvino_int8
    from .runtime import read_model
    quantized = quantize_openvino_int8(read_model(xml), [x])
    req = compile_model(quantized, num_threads=threads).create_infer_request()
    return median_ms(lambda: req.infer([x]), warmup, runs)


def openvino_row_latency(model: torch.nn.Module,
                         hw: Sequence[int],
                         threads: Optional[int] = None,
                         warmup: int = 5,
                         runs: int = 30,
                         work_dir: Optional[str] = None) -> dict:
    """OpenVINO CPU latency of a segmentor at batch 1.

    Args:
        model (nn.Module): A trained segmentor (eval mode is set on a
            copy by the export).
        hw (Sequence[int]): ``(H, W)`` of the network input.
        threads (int, optional): OpenVINO inference threads (``None``:
            OpenVINO's default, every core).
        warmup (int): Untimed calls. Defaults to 5.
        runs (int): Timed calls (median). Defaults to 30.
        work_dir (str, optional): Where the IR is written (default: a
            temporary directory, removed afterwards).

    Returns:
        dict: ``precision`` (``'1-bit'`` for models with binary layers,
        else ``'fp32'``), ``ms`` (median, that precision), ``int8_ms``
        (FP models with NNCF installed, else ``None``), ``threads``,
        ``input_shape``.

    Raises:
        ValueError: If ``runs`` < 1 or ``warmup`` < 0.
    """
    if runs < 1 or warmup < 0:
        raise ValueError(f'openvino_row_latency: need runs >= 1 and '
                         f'warmup >= 0, got runs={runs}, warmup={warmup}')
    shape = (1, 3, int(hw[0]), int(hw[1]))
    binary = _has_binary_layers(model)
    x = torch.randn(*shape).numpy()
    with tempfile.TemporaryDirectory() as tmp:
        out = work_dir or tmp
        xml = save_exported(export_openvino(model, shape),
                            osp.join(out, 'ir'))
        req = compile_model(xml, num_threads=threads).create_infer_request()
        ms = median_ms(lambda: req.infer([x]), warmup, runs)
        int8 = None if binary else _int8_ms(xml, x, threads, warmup, runs)
    return dict(
        precision='1-bit' if binary else 'fp32',
        ms=ms,
        int8_ms=int8,
        threads=threads,
        input_shape=list(shape))
