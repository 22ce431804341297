# Copyright (c) mmbin contributors. All rights reserved.
"""Run a segmentor's network through an exported OpenVINO IR, keeping its
PyTorch pre- and post-processing (:mod:`.encode_decode_runner`), for every
batch size and, when the PyTorch model is at hand, every input size.

OpenVINO's CPU ``BinaryConvolution`` has no dynamic-shape implementation,
and an mmbin IR is exported for one static shape (the traced model bakes
its sizes into reshapes and resizes, so ``ov.Model.reshape`` to another
shape fails). :class:`OpenVINOEncodeDecode` therefore compiles one model
per input shape and keeps them in a cache:

1. the shape the IR was exported for: the IR itself;
2. another shape, with the PyTorch model given (``source``): exported
   again for that shape (:func:`~.export.export_openvino`) and compiled;
3. without it, another batch size at the IR's image size: the IR reshaped
   to that batch when OpenVINO can (``ov.Model.reshape``) and the reshaped
   model's outputs on the first such batch equal those of the IR run
   sample by sample; otherwise the batch runs sample by sample (the same
   numbers as batch 1);
4. without it, any other image size raises an error that names the size
   the IR takes (a traced IR bakes its sizes into resizes and reshapes, so
   reshaping it to another size cannot be trusted).
"""
from collections import OrderedDict
from typing import Callable, List, Optional, Tuple, Union

import numpy as np
import openvino as ov
import torch.nn as nn

from .encode_decode_runner import (EncodeDecodeRunner, _per_sample,
                                   attach_runner, segmentor_outputs,
                                   shape_error)
from .runtime import compile_model, read_export_info, read_model

__all__ = ['OpenVINOEncodeDecode', 'attach_openvino']

Shape = Tuple[int, ...]


class _Compiled:
    """One compiled model and its infer request; outputs found by name."""

    def __init__(self, compiled: ov.CompiledModel,
                 output_names: List[str]) -> None:
        self.compiled = compiled
        self.request = compiled.create_infer_request()
        ir_names = [
            next(iter(out.get_names())) if out.get_names() else None
            for out in compiled.outputs
        ]
        missing = [n for n in output_names if n not in ir_names]
        if missing:
            raise ValueError(
                f'the IR has outputs {ir_names}, but the model predicts '
                f'{output_names} ({missing} missing): was it exported from '
                'this config?')
        self.outputs = [
            compiled.outputs[ir_names.index(n)] for n in output_names
        ]

    def __call__(self, x: np.ndarray) -> List[np.ndarray]:
        res = self.request.infer([x])
        return [np.array(res[o]) for o in self.outputs]


class OpenVINOEncodeDecode(EncodeDecodeRunner):
    """``encode_decode(inputs, batch_img_metas)`` computed by OpenVINO, one
    compiled model per input shape (see the module docstring).

    Args:
        model (ov.Model | ov.CompiledModel): The IR (or a compiled IR: then
            only its own shape and batches of it are served).
        output_names (list[str]): The segmentor's outputs, in order (task
            names, or ``['seg_logits']``).
        multi_task (bool): Return a dict (task -> tensor) instead of a
            tensor.
        num_threads (int, optional): Inference threads of every compiled
            model.
        exporter (Callable, optional): ``shape -> ov.Model``, an export of
            the PyTorch model for another input shape.
        max_shapes (int): Compiled models kept (least recently used ones
            are dropped; the IR's own shape always stays). Defaults to 8.
        precision (str): Inference precision hint, ``'f32'`` (exact,
            default) or ``'bf16'`` (:func:`~.runtime.runtime_config`).
    """

    def __init__(self,
                 model: Union[ov.Model, ov.CompiledModel],
                 output_names: List[str],
                 multi_task: bool,
                 num_threads: Optional[int] = None,
                 exporter: Optional[Callable[[Shape], ov.Model]] = None,
                 max_shapes: int = 8,
                 precision: str = 'f32') -> None:
        super().__init__(output_names, multi_task)
        self.num_threads = num_threads
        self.precision = precision
        if isinstance(model, ov.CompiledModel):
            compiled, self.model = model, None
        else:
            compiled, self.model = self._compile(model), model
        self.exporter = exporter
        self.max_shapes = max(1, int(max_shapes))
        self.input_shape = tuple(
            int(d) for d in compiled.inputs[0].get_partial_shape().to_shape())
        self._base = _Compiled(compiled, self.output_names)
        self._cache: 'OrderedDict[Shape, _Compiled]' = OrderedDict()
        #: How each input shape seen so far is served: ``'ir'``,
        #: ``'exported'``, ``'reshaped'`` or ``'per-sample'``.
        self.served = {self.input_shape: 'ir'}

    def _compile(self, model: ov.Model) -> ov.CompiledModel:
        return compile_model(model, self.num_threads, precision=self.precision)

    @property
    def compiled(self) -> ov.CompiledModel:
        """ov.CompiledModel: The model compiled for the IR's own shape."""
        return self._base.compiled

    def _reshaped(self, shape: Shape) -> Optional[ov.Model]:
        """The IR reshaped to ``shape``, or ``None`` when OpenVINO cannot
        (or the outputs do not follow the new batch and size)."""
        if self.model is None:
            return None
        model = self.model.clone()
        try:
            model.reshape({model.inputs[0]: ov.PartialShape(list(shape))})
        except Exception:  # OpenVINO raises a generic RuntimeError
            return None
        for out in model.outputs:
            ps = out.get_partial_shape()
            if not ps.is_static:
                return None
            dims = [int(d) for d in ps.to_shape()]
            if dims[0] != shape[0] or (len(dims) == 4 and
                                       tuple(dims[2:]) != shape[2:]):
                return None
        return model

    def _new_entry(self, x: np.ndarray) -> Tuple[Optional[_Compiled], str]:
        """Compile for the shape of ``x`` (see the module docstring)."""
        shape = tuple(int(d) for d in x.shape)
        if self.exporter is not None:
            return _Compiled(
                self._compile(self.exporter(shape)),
                self.output_names), 'exported'
        if shape[1:] != self.input_shape[1:]:
            raise shape_error(self.input_shape, shape)
        model = self._reshaped(shape)
        if model is None:
            return None, 'per-sample'
        entry = _Compiled(self._compile(model), self.output_names)
        for a, b in zip(entry(x), _per_sample(self._base, x)):
            scale = max(float(np.abs(b).max()), 1e-12)
            if a.shape != b.shape or np.abs(a - b).max() > 1e-4 * scale:
                return None, 'per-sample'
        return entry, 'reshaped'

    def run(self, x: np.ndarray) -> List[np.ndarray]:
        """The outputs for input ``x`` of any served shape.

        Raises:
            ValueError: If ``x`` has an image size the IR does not take and
                no PyTorch model was given to export it (names the IR's
                size).
        """
        shape = tuple(int(d) for d in x.shape)
        if shape == self.input_shape:
            return self._base(x)
        if shape in self._cache:
            self._cache.move_to_end(shape)
            return self._cache[shape](x)
        if self.served.get(shape) != 'per-sample':
            entry, how = self._new_entry(x)
            self.served[shape] = how
            if entry is not None:
                self._cache[shape] = entry
                while len(self._cache) > self.max_shapes - 1:
                    self._cache.popitem(last=False)
                return entry(x)
        return _per_sample(self._base, x)


def attach_openvino(model: nn.Module,
                    ir: Union[str, ov.Model],
                    num_threads: Optional[int] = None,
                    source: Optional[nn.Module] = None,
                    precision: str = 'f32') -> nn.Module:
    """Make ``model`` compute ``encode_decode`` with an OpenVINO IR.

    Args:
        model (nn.Module): A segmentor built from the config the IR was
            exported from (its weights are not used).
        ir (str | ov.Model): IR directory, ``.xml`` file or model.
        num_threads (int, optional): Inference threads.
        source (nn.Module, optional): The PyTorch model the IR was exported
            from (with its weights); inputs of another size are then
            exported again for that size. Without it, batches of the IR's
            size run sample by sample and other sizes raise an error naming
            the IR's size.
        precision (str): Inference precision hint: ``'f32'`` (exact,
            default) or ``'bf16'`` (OpenVINO's default on bf16 CPUs; the
            float layers then round to bfloat16).

    Returns:
        nn.Module: ``model``, with ``encode_decode`` replaced.

    Raises:
        TypeError: If ``model`` is not a segmentor with ``encode_decode``.
    """
    names, multi_task = segmentor_outputs(model)
    ov_model = read_model(ir) if isinstance(ir, str) else ir
    info = read_export_info(ov_model)
    if info is not None and info.get('output_names') != names:
        raise ValueError(
            f'the IR was exported with outputs {info.get("output_names")}, '
            f'the config\'s model predicts {names}')
    exporter = None
    if source is not None:
        from .export import export_openvino
        allow_float = bool(info and info.get('float_layers'))

        def export_for(shape):
            return export_openvino(
                source, shape, allow_float=allow_float).ov_model

        exporter = export_for
    runner = OpenVINOEncodeDecode(
        ov_model,
        names,
        multi_task,
        num_threads,
        exporter=exporter,
        precision=precision)
    return attach_runner(model, runner)
