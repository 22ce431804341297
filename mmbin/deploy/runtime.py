# Copyright (c) mmbin contributors. All rights reserved.
"""Compile an exported IR for the CPU and check, in the compiled runtime
graph, that every binary layer runs on the bit-packed u1 kernel."""
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import openvino as ov

from .export import EXPORT_INFO_KEY

__all__ = [
    'compile_model', 'read_model', 'read_export_info', 'BinaryKernelReport',
    'binary_kernel_report', 'BinaryKernelError', 'runtime_config',
    'PRECISIONS', 'cpu_supports_bf16', 'runtime_precision'
]

#: Inference precisions the tools accept: ``'f32'`` (exact; the default of
#: every mmbin tool) and ``'bf16'`` (OpenVINO's default on CPUs with
#: AVX-512 BF16 or AMX; the benchmark's bf16 rows).
PRECISIONS = ('f32', 'bf16')

_core: Optional[ov.Core] = None


def _get_core() -> ov.Core:
    global _core
    if _core is None:
        _core = ov.Core()
    return _core


def runtime_config(num_threads: Optional[int] = None,
                   precision: str = 'f32') -> dict:
    """CPU compile options for exact, low-latency inference.

    ``INFERENCE_PRECISION_HINT`` is forced to f32: on CPUs with AVX-512 BF16
    OpenVINO's default is bf16, which runs the full-precision layers in
    bfloat16 (logit errors around 1 instead of 1e-6) and flips binarization
    decisions. The hint cannot be stored in the IR (``runtime_options``
    rt_info is ignored for it), so every consumer must pass it.

    Args:
        num_threads (int, optional): ``INFERENCE_NUM_THREADS``; ``None``
            lets OpenVINO use all cores.
        precision (str): ``INFERENCE_PRECISION_HINT``, one of
            :data:`PRECISIONS`. ``'bf16'`` is for measuring what
            OpenVINO's default would give (not exact). Defaults to
            ``'f32'``.

    Returns:
        dict: The config for ``Core.compile_model``.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}')
    cfg = {
        'INFERENCE_PRECISION_HINT': precision,
        'PERFORMANCE_HINT': 'LATENCY',
        'NUM_STREAMS': 1,
    }
    if num_threads is not None:
        cfg['INFERENCE_NUM_THREADS'] = int(num_threads)
    return cfg


def read_model(path: str) -> ov.Model:
    """Read an IR: ``model.xml`` or a directory holding it.

    Raises:
        FileNotFoundError: Naming the missing file.
    """
    if osp.isdir(path):
        path = osp.join(path, 'model.xml')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'OpenVINO IR {path!r} not found; export one with '
            'tools/deploy/export_openvino.py CONFIG CHECKPOINT --shape H W '
            '--out DIR')
    return _get_core().read_model(path)


def compile_model(model: Union[ov.Model, str],
                  num_threads: Optional[int] = None,
                  perf_count: bool = False,
                  precision: str = 'f32') -> ov.CompiledModel:
    """Compile an IR for the CPU with :func:`runtime_config`.

    Args:
        model (ov.Model | str): Model, ``.xml`` path or IR directory.
        num_threads (int, optional): Inference threads.
        perf_count (bool): Enable per-node profiling. Defaults to False.
        precision (str): Inference precision hint (:func:`runtime_config`).
            Defaults to ``'f32'``.

    Returns:
        ov.CompiledModel: The compiled model.
    """
    if isinstance(model, str):
        model = read_model(model)
    cfg = runtime_config(num_threads, precision)
    if perf_count:
        cfg['PERF_COUNT'] = True
    return _get_core().compile_model(model, 'CPU', cfg)


def cpu_supports_bf16() -> bool:
    """Whether OpenVINO's CPU plugin lists native bf16 among its
    optimization capabilities on this machine (AVX-512 BF16 or AMX)."""
    caps = _get_core().get_property('CPU', 'OPTIMIZATION_CAPABILITIES')
    return 'BF16' in [str(c) for c in caps]


def runtime_precision(compiled: ov.CompiledModel) -> Dict[str, object]:
    """What a compiled model actually runs in.

    Args:
        compiled (ov.CompiledModel): A compiled model.

    Returns:
        dict: ``hint`` (the ``INFERENCE_PRECISION_HINT`` the plugin
        reports after compilation), ``nodes`` (runtime precision -> count
        over the runtime graph's compute nodes: convolutions, matrix
        multiplications, interpolations, eltwise and the like; inputs,
        outputs, constants and reorders not counted) and ``cpu_bf16``
        (:func:`cpu_supports_bf16`).
    """
    skip = {
        'Input', 'Output', 'Constant', 'Parameter', 'Result', 'Reorder',
        'Reshape', 'Squeeze', 'Unsqueeze'
    }
    nodes: Dict[str, int] = {}
    for node in compiled.get_runtime_model().get_ordered_ops():
        if _rt(node, 'layerType') in skip:
            continue
        prec = _rt(node, 'runtimePrecision') or '?'
        nodes[prec] = nodes.get(prec, 0) + 1
    hint = compiled.get_property('INFERENCE_PRECISION_HINT')
    return dict(
        hint=getattr(hint, 'get_type_name', lambda: str(hint))(),
        nodes=dict(sorted(nodes.items())),
        cpu_bf16=cpu_supports_bf16())


def read_export_info(model: ov.Model) -> Optional[dict]:
    """The export summary stored by :func:`~.export.export_openvino` in the
    IR (``None`` for a model not exported by mmbin)."""
    if not model.has_rt_info(EXPORT_INFO_KEY):
        return None
    return json.loads(model.get_rt_info(EXPORT_INFO_KEY).astype(str))


class BinaryKernelError(RuntimeError):
    """Binary layers that do not run on the u1 kernel after compilation."""


@dataclass
class BinaryKernelReport:
    """Where the binary layers run in a compiled model.

    Attributes:
        num_binary_layers (int): Binary layers that compute the outputs of
            the exported model (packed and float-fallback).
        on_u1 (list[str]): Layers whose every ``BinaryConvolution`` runs in
            u1 precision.
        not_on_u1 (list[tuple[str, str]]): Packed layers that do not, with
            what the runtime graph shows.
        float_layers (list[tuple[str, str, str]]): Layers exported as
            float math (name, type, reason).
        unused_layers (list[str]): Binary layers of the PyTorch model that
            do not contribute to the outputs (pruned at export).
        primitives (dict[str, int]): Implementation of the runtime
            ``BinaryConvolution`` nodes (e.g. ``jit_avx512_u1``) to count.
        measured_float (list[tuple[str, str, str]]): Grouped (depthwise)
            binary layers that run as float math because the exporter
            measured float to be faster (name, type, times); they do not
            make the report fail.
        kernels (dict[str, str]): Per packed layer, the runtime precision
            and implementation of its ``BinaryConvolution`` nodes.
    """

    num_binary_layers: int
    on_u1: List[str] = field(default_factory=list)
    not_on_u1: List[Tuple[str, str]] = field(default_factory=list)
    float_layers: List[Tuple[str, str, str]] = field(default_factory=list)
    unused_layers: List[str] = field(default_factory=list)
    primitives: Dict[str, int] = field(default_factory=dict)
    measured_float: List[Tuple[str, str, str]] = field(default_factory=list)
    kernels: Dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """bool: Every binary layer runs on the u1 kernel, or as float
        where that was measured to be faster."""
        return (len(self.on_u1) + len(self.measured_float)
                == self.num_binary_layers and not self.not_on_u1
                and not self.float_layers)

    def per_layer(self) -> List[str]:
        """list[str]: One line per binary layer: where it runs (u1 kernel
        and implementation, float by measurement, float fallback, not on
        u1)."""
        lines = [
            f'{name}: {self.kernels.get(name, "u1")}' for name in self.on_u1
        ]
        lines += [f'{name}: NOT on u1: {why}' for name, why in self.not_on_u1]
        lines += [f'{name}: {why}' for name, _, why in self.measured_float]
        lines += [
            f'{name} ({kind}): float fallback'
            for name, kind, _ in self.float_layers
        ]
        return lines

    def summary(self) -> str:
        """str: Human-readable summary (counts, kernels, offenders)."""
        prims = ', '.join(
            f'{k} x{v}' for k, v in sorted(self.primitives.items())) or 'none'
        unused = (f' (+{len(self.unused_layers)} unused at inference and '
                  'pruned: ' + ', '.join(self.unused_layers) +
                  ')' if self.unused_layers else '')
        lines = [
            f'binary convs in the model: {self.num_binary_layers}{unused}',
            f'binary convs on the u1 kernel in the compiled runtime graph: '
            f'{len(self.on_u1)}/{self.num_binary_layers} '
            f'(BinaryConvolution implementations: {prims})'
        ]
        if self.measured_float:
            lines.append(
                f'binary convs run as float because the exporter measured '
                f'float to be faster than their u1 blocks: '
                f'{len(self.measured_float)} (' +
                ', '.join(n for n, _, _ in self.measured_float) + ')')
        for name, why in self.not_on_u1:
            lines.append(f'  NOT on u1: {name}: {why}')
        for name, kind, why in self.float_layers:
            lines.append(f'  float fallback: {name} ({kind}): {why}')
        return '\n'.join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`BinaryKernelError` naming the layers that do not
        run on the u1 kernel."""
        if not self.ok:
            raise BinaryKernelError(
                'some binary convolutions do not run on the bit-packed u1 '
                'kernel:\n' + self.summary())


def _rt(node, key: str) -> str:
    info = node.get_rt_info()
    return info[key].astype(str) if key in info else ''


def binary_kernel_report(compiled: ov.CompiledModel,
                         info: Optional[dict] = None) -> BinaryKernelReport:
    """Match the runtime graph of ``compiled`` against the exported binary
    layers.

    Args:
        compiled (ov.CompiledModel): A compiled mmbin IR.
        info (dict, optional): Export summary (:func:`read_export_info`);
            read from ``compiled``'s runtime model when omitted is not
            possible, so pass it for a model read from disk.

    Returns:
        BinaryKernelReport: The report.
    """
    if info is None:
        raise ValueError('binary_kernel_report needs the export summary '
                         '(read_export_info(model) on the ov.Model)')
    runtime = compiled.get_runtime_model()
    status: Dict[str, Tuple[str, str]] = {}
    primitives: Dict[str, int] = {}
    for node in runtime.get_ordered_ops():
        if _rt(node, 'layerType') != 'BinaryConvolution':
            continue
        prec = _rt(node, 'runtimePrecision')
        prim = _rt(node, 'primitiveType')
        primitives[prim] = primitives.get(prim, 0) + 1
        names = {node.get_friendly_name()}
        names.update(n.strip()
                     for n in _rt(node, 'originalLayersNames').split(','))
        for n in names:
            status[n] = (prec, prim)
    layers = info.get('binary_layers', {})
    floats = [tuple(f) for f in info.get('float_layers', [])]
    measured = [tuple(f) for f in info.get('measured_float', [])]
    report = BinaryKernelReport(
        num_binary_layers=len(layers) + len(floats) + len(measured),
        float_layers=floats,
        unused_layers=list(info.get('unused_layers', [])),
        primitives=primitives,
        measured_float=measured)
    for layer, nodes in layers.items():
        bad = []
        prims = set()
        for n in nodes:
            prec, prim = status.get(n, ('', ''))
            prims.add(prim)
            if prec != 'u1':
                bad.append(f'{n}: ' + (f'runs as {prim} in {prec}'
                                       if prec else 'not in runtime graph'))
        if bad:
            report.not_on_u1.append((layer, '; '.join(bad)))
        else:
            report.on_u1.append(layer)
            kernel = f'u1 ({", ".join(sorted(prims))})'
            if len(nodes) > 1:
                kernel += f', {len(nodes)} BinaryConvolution nodes'
            report.kernels[layer] = kernel
    return report
