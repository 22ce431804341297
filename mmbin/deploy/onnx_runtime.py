# Copyright (c) mmbin contributors. All rights reserved.
"""A full-precision model through ONNX Runtime (fp32 and its static int8
quantization): the other CPU runtime a user would try, benchmarked beside
the OpenVINO rows (``tools/deploy/benchmark.py``).

The export is PyTorch's TorchScript-based ONNX exporter
(``torch.onnx.export(..., dynamo=False)``; the dynamo exporter needs
``onnxscript``, which the deploy extra does not install) of the same
``img -> outputs`` function as the OpenVINO IR
(:class:`~.export.ExportWrapper`: a segmentor's ``encode_decode``), at a
static input shape, with CFB's channel fusion as a fixed 1x1 convolution
(:mod:`.cfb_export`). Binary layers would be exported as float math (sign
and a float convolution): ONNX Runtime has no bit-packed kernel, so these
rows are for full-precision models.

The int8 model is ``onnxruntime.quantization.quantize_static`` in QDQ
format (uint8 activations, int8 weights per output channel, min-max
calibration) on the same calibration images as NNCF
(:func:`~.quantize.calibration_inputs`).
"""
import copy
import os
import os.path as osp
import warnings
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from .cfb_export import cfb_as_fixed_conv
from .encode_decode_runner import (EncodeDecodeRunner, _per_sample,
                                   attach_runner, segmentor_outputs,
                                   shape_error)
from .export import ExportWrapper

__all__ = [
    'export_onnx', 'quantize_onnx_int8', 'ort_session', 'ort_run',
    'onnx_size', 'ONNXRuntimeEncodeDecode', 'attach_onnxruntime'
]


def _ort():
    try:
        import onnxruntime
    except ImportError as err:  # pragma: no cover - needs the extra
        raise ImportError(
            'ONNX Runtime rows need onnx and onnxruntime: install the deploy '
            'extra with `pip install -e .[deploy]`') from err
    return onnxruntime


def export_onnx(model: nn.Module,
                input_shape: Sequence[int],
                path: str,
                opset: int = 17) -> List[str]:
    """Export ``model`` (a segmentor's ``encode_decode``, or any module's
    forward) to ONNX at a static input shape.

    The model is not modified (a deep copy in eval mode is exported).

    Args:
        model (nn.Module): The model.
        input_shape (Sequence[int]): ``(N, C, H, W)``.
        path (str): Output ``.onnx`` file (its directory is created).
        opset (int): ONNX opset. Defaults to 17.

    Returns:
        list[str]: Output names (task names, ``seg_logits`` or
        ``output<i>``); the input is named ``img``.
    """
    input_shape = tuple(int(v) for v in input_shape)
    if len(input_shape) != 4:
        raise ValueError(f'export_onnx: input_shape must be (N, C, H, W), '
                         f'got {input_shape}')
    teacher = model.__dict__.get('_teacher')
    memo = {id(teacher): None} if teacher is not None else {}
    work = copy.deepcopy(model, memo).eval()
    wrapper = ExportWrapper(work, input_shape).eval()
    example = torch.randn(*input_shape)
    with torch.no_grad():
        n_out = len(wrapper(example))
    names = wrapper.names or [f'output{i}' for i in range(n_out)]
    if len(names) != n_out:
        names = [f'output{i}' for i in range(n_out)]
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with torch.no_grad(), cfb_as_fixed_conv(), warnings.catch_warnings():
        warnings.simplefilter('ignore')  # TracerWarnings of int() shapes
        torch.onnx.export(
            wrapper, (example, ),
            path,
            dynamo=False,
            opset_version=opset,
            input_names=['img'],
            output_names=names,
            do_constant_folding=True)
    return names


class _Reader:
    """``CalibrationDataReader`` over a list of inputs."""

    def __init__(self, name: str, inputs: Sequence[np.ndarray]) -> None:
        self.items = iter([{name: x} for x in inputs])

    def get_next(self):
        return next(self.items, None)

    def rewind(self):  # pragma: no cover - not used by MinMax
        raise NotImplementedError


def quantize_onnx_int8(src: str, dst: str,
                       calibration: Sequence[np.ndarray]) -> str:
    """Static int8 quantization of an ONNX model with ONNX Runtime.

    The model is first pre-processed (``quant_pre_process``: shape
    inference and graph optimization), then quantized in QDQ format with
    uint8 activations and int8 per-channel weights from min-max ranges of
    ``calibration``.

    Args:
        src (str): fp32 ``.onnx`` file (input ``img``).
        dst (str): Output ``.onnx`` file.
        calibration (Sequence[np.ndarray]): Network inputs.

    Returns:
        str: ``dst``.

    Raises:
        ValueError: If ``calibration`` is empty.
    """
    if len(calibration) == 0:
        raise ValueError('quantize_onnx_int8 needs at least one calibration '
                         'input')
    _ort()
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(_Reader, CalibrationDataReader):
        pass

    pre = osp.splitext(dst)[0] + '_pre.onnx'
    quant_pre_process(src, pre)
    quantize_static(
        pre,
        dst,
        Reader('img', calibration),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True)
    os.remove(pre)
    return dst


def ort_session(path: str, num_threads: Optional[int] = None):
    """An ONNX Runtime CPU session for latency: all graph optimizations,
    sequential execution, ``num_threads`` intra-op threads.

    Args:
        path (str): ``.onnx`` file.
        num_threads (int, optional): Intra-op threads (``None``: ONNX
            Runtime's default, every core).

    Returns:
        onnxruntime.InferenceSession: The session.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
    """
    ort = _ort()
    if not osp.isfile(path):
        raise FileNotFoundError(f'ONNX model {path!r} not found')
    options = ort.SessionOptions()
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    if num_threads is not None:
        options.intra_op_num_threads = int(num_threads)
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def ort_run(session, x: np.ndarray) -> List[np.ndarray]:
    """Run ``session`` on one input array.

    Args:
        session (onnxruntime.InferenceSession): From :func:`ort_session`.
        x (np.ndarray): The input (float32).

    Returns:
        list[np.ndarray]: The outputs, in the model's order.
    """
    return session.run(None, {session.get_inputs()[0].name: x})


def onnx_size(path: str) -> int:
    """Bytes of an ``.onnx`` file (and of an external-data file beside it,
    ``<path>.data``, when there is one)."""
    size = osp.getsize(path)
    if osp.isfile(path + '.data'):
        size += osp.getsize(path + '.data')
    return size


class ONNXRuntimeEncodeDecode(EncodeDecodeRunner):
    """``encode_decode(inputs, batch_img_metas)`` computed by an ONNX
    Runtime session of a static-shape export (:func:`export_onnx`).

    A batch of ``N`` inputs of the exported size runs as ``N`` calls; any
    other size raises an error naming the exported size.

    Args:
        session (onnxruntime.InferenceSession): From :func:`ort_session`.
        output_names (list[str]): The segmentor's outputs, in order.
        multi_task (bool): Return a dict (task -> tensor).
    """

    def __init__(self, session, output_names: List[str],
                 multi_task: bool) -> None:
        super().__init__(output_names, multi_task)
        self.session = session
        inp = session.get_inputs()[0]
        self.input_name = inp.name
        self.input_shape = tuple(int(d) for d in inp.shape)
        names = [o.name for o in session.get_outputs()]
        missing = [n for n in output_names if n not in names]
        if missing:
            raise ValueError(
                f'the ONNX model has outputs {names}, but the model '
                f'predicts {output_names} ({missing} missing): was it '
                'exported from this config?')
        self.fetch = list(output_names)

    def _run1(self, x: np.ndarray) -> List[np.ndarray]:
        return self.session.run(self.fetch, {self.input_name: x})

    def run(self, x: np.ndarray) -> List[np.ndarray]:
        """The outputs for ``x`` (the exported size, any batch).

        Raises:
            ValueError: Naming the exported size, for another size.
        """
        if tuple(x.shape) == self.input_shape:
            return self._run1(x)
        if tuple(x.shape[1:]) != self.input_shape[1:]:
            raise shape_error(self.input_shape, x.shape, 'the ONNX model')
        return _per_sample(self._run1, x)


def attach_onnxruntime(model: nn.Module,
                       path: str,
                       num_threads: Optional[int] = None) -> nn.Module:
    """Make ``model`` compute ``encode_decode`` with an ONNX model.

    Args:
        model (nn.Module): A segmentor built from the config the ONNX model
            was exported from (its weights are not used).
        path (str): ``.onnx`` file (:func:`export_onnx`, or its int8
            quantization).
        num_threads (int, optional): Intra-op threads.

    Returns:
        nn.Module: ``model``, with ``encode_decode`` replaced.
    """
    names, multi_task = segmentor_outputs(model)
    runner = ONNXRuntimeEncodeDecode(
        ort_session(path, num_threads), names, multi_task)
    return attach_runner(model, runner)
