# Copyright (c) mmbin contributors. All rights reserved.
"""Export an mmbin model to an OpenVINO IR whose binary convolutions run on
the CPU plugin's bit-packed XNOR-popcount kernel.

Method. OpenVINO's PyTorch frontend converts a binary layer as what it is in
PyTorch, float math (``sign`` then a float convolution); nothing in the
torch/ONNX path creates a ``BinaryConvolution``. The exporter therefore
splits every binary layer into a *packed part* and the rest:

1. A copy of the model is put in eval mode and every layer with binarized
   inputs and weights is planned (:mod:`.binary_layer_plan`): weight bits,
   per-output-channel magnitude ``alpha``, per-input-channel threshold
   (``RSign``), padding. Layers that cannot be packed exactly are collected
   and reported together (:class:`UnsupportedBinaryLayerError`), or kept as
   float math with ``allow_float=True``.
2. In the copy, the packed part of each layer (binarize -> pad -> binary
   conv -> ``alpha``) is replaced by a placeholder module; what surrounds it
   stays PyTorch code: the layer's bias, DAB's ``beta`` for BiDense's
   deployable option, and everything outside the layer (stem, BN,
   shortcuts, activations, necks, heads, resizing).
3. ``openvino.convert_model(..., dynamo=True)`` converts the copy through
   ``torch.export`` with a static input shape. A ``ModuleExtension`` per
   placeholder turns it into a custom op, and a ``ConversionExtension`` per
   op builds the packed sub-graph (:func:`~.ov_binary_ops.build_binary_layer`:
   FakeQuantize -> u1 ``BinaryConvolution`` -> ``* alpha``) from the plan.
   (The TorchScript path of ``ModuleExtension`` fails to trace with
   torch 2.13, hence ``torch.export``.)
4. The CPU plugin fuses the per-channel multiply-adds that follow a
   ``BinaryConvolution`` (``alpha``, bias, BN, the residual sum) into it as
   post-ops, so BN and shortcut are folded at compile time;
   :mod:`.runtime` checks in the compiled graph that every binary layer
   runs on the u1 kernel.

The IR's input is the network input (normalised image, static ``1 x 3 x H
x W``); its outputs are named after the tasks of a
:class:`~mmbin.models.MultiTaskEncoderDecoder` (``seg``, ``depth``, ...),
``seg_logits`` for an mmseg segmentor (both at the input size, as
``encode_decode`` returns them) or ``output<i>`` for any other module.
"""
import copy
import itertools
import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import openvino as ov
import openvino.opset13  # noqa: F401
import torch
import torch.nn as nn
from openvino.frontend.pytorch import ConversionExtension, ModuleExtension
from torch import Tensor

from mmbin.ops.dab import dab_output_scale
from mmbin.version import __version__
from .binary_layer_plan import (BinaryLayerPlan, UnsupportedBinaryLayerError,
                                plan_binary_layers)
from .cfb_export import cfb_as_fixed_conv
from .ov_binary_ops import build_binary_layer, restore_thresholds

__all__ = [
    'ExportedModel', 'export_openvino', 'save_exported', 'EXPORT_INFO_KEY',
    'binary_node_names', 'output_names_of', 'ExportWrapper', 'ir_size'
]

#: rt_info key of the IR that holds the export summary (JSON).
EXPORT_INFO_KEY = 'mmbin_export'

_export_ids = itertools.count()


@dataclass
class ExportedModel:
    """Result of :func:`export_openvino`.

    Attributes:
        ov_model (ov.Model): The converted model.
        input_shape (tuple[int, int, int, int]): Static input shape.
        output_names (list[str]): Output tensor names.
        binary_layers (list[str]): Binary layers running as
            ``BinaryConvolution`` (module paths).
        float_layers (list[tuple[str, str, str]]): Binary layers kept as
            float math (``allow_float=True``): name, type, reason.
        unused_layers (list[str]): Binary layers that do not contribute to
            the outputs at inference (pruned by the conversion, e.g.
            ``IBNeck``'s log-variance branch).
        plans (dict[str, BinaryLayerPlan]): Plan of every packed layer.
        measured_float (list[tuple[str, str, str]]): Grouped binary layers
            (depthwise) run as float math because the exporter measured
            float to be faster (``grouped='measure'``) or was told so
            (``grouped='float'``): name, type, times.
        layer_timings (dict[str, str]): The measurement of every grouped
            layer (binary blocks and float), one line each.
    """

    ov_model: ov.Model
    input_shape: Tuple[int, int, int, int]
    output_names: List[str]
    binary_layers: List[str]
    float_layers: List[Tuple[str, str, str]] = field(default_factory=list)
    unused_layers: List[str] = field(default_factory=list)
    plans: Dict[str, BinaryLayerPlan] = field(default_factory=dict)
    measured_float: List[Tuple[str, str, str]] = field(default_factory=list)
    layer_timings: Dict[str, str] = field(default_factory=dict)

    @property
    def num_binary_convs(self) -> int:
        """int: Binary layers that compute the outputs (packed or
        not)."""
        return (len(self.binary_layers) + len(self.float_layers) +
                len(self.measured_float))


class _PackedPart(nn.Module):
    """Placeholder for the packed part of one binary layer.

    During conversion the ``ModuleExtension`` replaces its forward by a
    custom op that :func:`build_binary_layer` converts; ``torch.export``
    only needs the output shape (:meth:`output_like`). Calling the
    placeholder itself is an error: it would mean the extension was not
    applied and the IR would compute garbage.
    """

    def __init__(self, plan: BinaryLayerPlan) -> None:
        super().__init__()
        self.__dict__['plan'] = plan

    def forward(self, x: Tensor) -> Tensor:
        raise RuntimeError(
            f'{self.plan.name}: the packed-part placeholder ran without the '
            'OpenVINO ModuleExtension that should replace it; the export '
            'cannot continue (is this OpenVINO version supported?)')

    def output_like(self, x: Tensor) -> Tensor:
        """Zeros of the layer's output shape (for tracing); records the
        input shape for the conversion."""
        p = self.plan
        n, _, h, w = (int(d) for d in x.shape)
        shape = [int(d) for d in x.shape]
        seen = p.extra.setdefault('input_shapes', [])
        if shape not in seen:  # a module called at several sizes
            seen.append(shape)
        kh, kw = p.kernel_size
        if p.kind == 'conv_transpose':
            return x.new_zeros(n, p.out_channels, h * kh, w * kw)
        top, bottom, left, right = p.pads
        h_out = (h + top + bottom - p.dilation[0] *
                 (kh - 1) - 1) // p.stride[0] + 1
        w_out = (w + left + right - p.dilation[1] *
                 (kw - 1) - 1) // p.stride[1] + 1
        return x.new_zeros(n, p.out_channels, h_out, w_out)


def _install(layer: nn.Module, plan: BinaryLayerPlan) -> _PackedPart:
    """Route ``layer``'s packed part through a placeholder (in the copy)."""
    part = _PackedPart(plan)
    layer.add_module('_ov_packed_part', part)
    bias = layer.bias

    def add_bias(y: Tensor) -> Tensor:
        return y if bias is None else y + bias.view(1, -1, 1, 1)

    if plan.kind == 'conv_transpose':

        def forward(x, output_size=None):
            return add_bias(part(x))

        layer.__dict__['forward'] = forward
    elif plan.input_is_binary:
        # BiDenseConv(scale_mode='output'|'sample'): sign(s) and beta come
        # from DAB in full precision; the packed part sees +-1 values.
        def conv_binary(x):
            b, alpha = layer.act_binarizer.binarize(x)
            beta = dab_output_scale(alpha, layer.out_channels, layer.groups,
                                    layer.scale_mode)
            return add_bias(part(b) * beta)

        layer.__dict__['conv_binary'] = conv_binary
    else:

        def conv_binary(x):
            return add_bias(part(x))

        layer.__dict__['conv_binary'] = conv_binary
    return part


def _static(x: ov.Output, plan: BinaryLayerPlan) -> ov.Output:
    """``x`` with the static shape seen while tracing (the frontend may not
    have inferred it yet when the conversion extension runs). A module
    called at several input sizes (e.g. a decoder conv shared by the
    pyramid levels) has several; the one compatible with the dimensions
    the frontend knows is taken."""
    shapes = plan.extra.get('input_shapes', [])
    partial = x.get_partial_shape()
    if partial.is_static or not shapes:
        return x
    fits = [s for s in shapes if partial.compatible(ov.PartialShape(s))]
    if len(fits) != 1:
        raise RuntimeError(
            f'{plan.name}: cannot tell the static input shape of this call '
            f'(the frontend knows {partial}, traced shapes {shapes})')
    shape = np.asarray(fits[0], np.int64)
    return ov.opset13.reshape(x, ov.opset13.constant(shape), False).output(0)


def output_names_of(model: nn.Module) -> Optional[List[str]]:
    """Output names of the IR of a segmentor (``None`` for other
    modules)."""
    heads = getattr(model, 'decode_heads', None)
    if isinstance(heads, nn.ModuleDict) and hasattr(model, 'encode_decode'):
        return list(heads.keys())
    if hasattr(model, 'encode_decode') and hasattr(model, 'decode_head'):
        return ['seg_logits']
    return None


class ExportWrapper(nn.Module):
    """``img -> outputs``: a segmentor's ``encode_decode`` (predictions at
    the input size) or any module's forward, as a flat tuple."""

    def __init__(self, model: nn.Module, input_shape: Sequence[int]) -> None:
        super().__init__()
        self.model = model
        self.names = output_names_of(model)
        hw = tuple(int(v) for v in input_shape[2:])
        self.metas = [
            dict(
                img_shape=hw,
                pad_shape=hw,
                ori_shape=hw,
                padding_size=[0, 0, 0, 0])
        ]

    def forward(self, img: Tensor):
        if self.names is None:
            out = self.model(img)
        else:
            out = self.model.encode_decode(img, self.metas)
            if isinstance(out, dict):
                return tuple(out[name] for name in self.names)
            return (out, )
        if isinstance(out, Tensor):
            return (out, )
        if isinstance(out, dict):
            self.names = list(out)
            return tuple(out.values())
        return tuple(out)


def binary_node_names(plan: BinaryLayerPlan) -> List[str]:
    """Friendly names of the ``BinaryConvolution`` nodes of a layer."""
    base = f'{plan.name}/BinaryConvolution'
    if plan.kind == 'conv' and plan.groups_per_block:
        return [
            f'{base}_b{i}' for i in range(plan.groups // plan.groups_per_block)
        ]
    if plan.kind == 'conv' and plan.groups > 1:
        return [f'{base}_g{i}' for i in range(plan.groups)]
    return [base]


def _restore_binary_node_names(ov_model: ov.Model) -> set:
    """Give every ``BinaryConvolution`` its ``<layer>/BinaryConvolution``
    name back. Graph passes rename a node that takes over the output of a
    node they remove (the ``* alpha`` multiply when ``alpha == 1``), but
    keep the name of its weight constant, ``<node name>/weights``."""
    found = set()
    for op in ov_model.get_ops():
        if op.get_type_name() != 'BinaryConvolution':
            continue
        weight = op.input_value(1).get_node().get_friendly_name()
        if weight.endswith('/weights'):
            op.set_friendly_name(weight[:-len('/weights')])
        found.add(op.get_friendly_name())
    return found


def _layer_input_shapes(wrapper: nn.Module, layers: Dict[str, nn.Module],
                        example: Tensor) -> Dict[str, Tuple[int, ...]]:
    """Input shape of each of ``layers`` in one forward of ``wrapper``."""
    shapes: Dict[str, Tuple[int, ...]] = {}

    def record(name):

        def hook(module, args):
            shapes.setdefault(name, tuple(int(d) for d in args[0].shape))

        return hook

    handles = [
        layer.register_forward_pre_hook(record(name))
        for name, layer in layers.items()
    ]
    try:
        with torch.no_grad():
            wrapper(example)
    finally:
        for h in handles:
            h.remove()
    return shapes


def _choose_grouped(planned, wrapper: nn.Module, example: Tensor, grouped: str,
                    measure_threads: int):
    """Decide how each complement-block (depthwise) layer runs.

    Returns:
        tuple[list, list, dict]: The plans kept binary, ``(name, type,
        why)`` of the layers run as float, and the timing line of every
        measured layer.
    """
    grouped_layers = {
        name: layer
        for name, layer, plan in planned if plan.groups_per_block
    }
    if not grouped_layers:
        return planned, [], {}
    if grouped == 'binary':  # default block size, no measurement
        return planned, [], {}
    if grouped == 'float':
        keep = [p for p in planned if not p[2].groups_per_block]
        floats = [(name, type(layer).__name__,
                   "grouped='float': run as float math on request")
                  for name, layer in grouped_layers.items()]
        return keep, floats, {}
    from .layer_choice import block_candidates, choose_layer_formulation
    shapes = _layer_input_shapes(wrapper, grouped_layers, example)
    keep, floats, timings = [], [], {}
    for name, layer, plan in planned:
        if not plan.groups_per_block:
            keep.append((name, layer, plan))
            continue
        if name not in shapes:  # not on the inference path: pruned later
            keep.append((name, layer, plan))
            continue
        timing = choose_layer_formulation(
            plan,
            shapes[name],
            num_threads=measure_threads,
            candidates=block_candidates(plan))
        timings[name] = timing.describe()
        if timing.choice == 'float':
            floats.append((name, type(layer).__name__,
                           'float by measurement: ' + timing.verdict()))
        else:
            plan.groups_per_block = timing.groups_per_block
            keep.append((name, layer, plan))
    return keep, floats, timings


def export_openvino(model: nn.Module,
                    input_shape: Sequence[int],
                    allow_float: bool = False,
                    cfb_conv: bool = True,
                    grouped: str = 'measure',
                    measure_threads: int = 1) -> ExportedModel:
    """Convert ``model`` to OpenVINO with bit-packed binary convolutions.

    The model itself is not modified (a deep copy is converted, in eval
    mode).

    Args:
        model (nn.Module): A segmentor (``MultiTaskEncoderDecoder`` or an
            mmseg ``EncoderDecoder``: the IR computes ``encode_decode``) or
            any module taking one image tensor.
        input_shape (Sequence[int]): Static input shape ``(N, C, H, W)``.
        allow_float (bool): Keep binary layers that cannot be packed as
            float math (exact, but not on the u1 kernel) instead of raising.
            Defaults to False.
        cfb_conv (bool): Export CFB's channel fusion as a fixed 1x1
            averaging convolution (:mod:`.cfb_export`) instead of channel
            slices, which OpenVINO runs as a slow reference split. Defaults
            to True.
        grouped (str): Binary layers with more than ``MAX_SPLIT_GROUPS``
            groups (depthwise) run as complement-pair blocks on the u1
            kernel (exact, :mod:`.ov_binary_ops`). ``'measure'`` times
            them on their input shape as blocks of several sizes and as
            float math and keeps the fastest (float choices are reported
            in ``measured_float``, with the times); ``'binary'`` runs
            them as blocks of the default size (``BLOCK_CHANNELS`` input
            channels, no measurement); ``'float'`` runs them as float.
            Defaults to ``'measure'``.
        measure_threads (int): Threads of that measurement. Defaults to 1.

    Returns:
        ExportedModel: The converted model and its binary layer summary.

    Raises:
        UnsupportedBinaryLayerError: When some binary layers cannot be
            packed and ``allow_float`` is False; the message names every
            such layer and the reason.
    """
    input_shape = tuple(int(v) for v in input_shape)
    if len(input_shape) != 4:
        raise ValueError(f'input_shape must be (N, C, H, W), got '
                         f'{input_shape}')
    # a distillation teacher (kept outside the module tree) is not copied
    teacher = model.__dict__.get('_teacher')
    memo = {id(teacher): None} if teacher is not None else {}
    if grouped not in ('measure', 'binary', 'float'):
        raise ValueError(f"grouped must be 'measure', 'binary' or 'float', "
                         f'got {grouped!r}')
    work = copy.deepcopy(model, memo).eval()
    planned, problems = plan_binary_layers(work)
    if problems and not allow_float:
        raise UnsupportedBinaryLayerError(problems)
    wrapper = ExportWrapper(work, input_shape)
    example = torch.randn(*input_shape)
    planned, measured_float, timings = _choose_grouped(planned, wrapper,
                                                       example, grouped,
                                                       measure_threads)
    uid = next(_export_ids)
    extensions = []
    plans = {}
    for i, (name, layer, plan) in enumerate(planned):
        part = _install(layer, plan)
        op = f'mmbin::packed_binary_conv_{uid}_{i}'

        def convert(ctx, plan=plan):
            return [build_binary_layer(_static(ctx.get_input(0), plan), plan)]

        extensions += [
            ModuleExtension(
                part,
                op,
                evaluate=lambda module, x, *args, **kwargs: module.output_like(
                    x)),
            ConversionExtension(op, convert)
        ]
        plans[name] = plan
    with torch.no_grad(), cfb_as_fixed_conv(cfb_conv):
        ov_model = ov.convert_model(
            wrapper,
            example_input=(example, ),
            input=[list(input_shape)],
            dynamo=True,
            extension=extensions or None)
    names = wrapper.names or [
        f'output{i}' for i in range(len(ov_model.outputs))
    ]
    if len(names) != len(ov_model.outputs):
        names = [f'output{i}' for i in range(len(ov_model.outputs))]
    for out, name in zip(ov_model.outputs, names):
        out.get_tensor().set_names({name})
    ov_model.inputs[0].get_tensor().set_names({'img'})
    found = _restore_binary_node_names(ov_model)
    restore_thresholds(ov_model, plans.values())
    ov_model.validate_nodes_and_infer_types()
    # A layer whose nodes are absent does not contribute to the outputs
    # (e.g. IBNeck's log-variance branch at inference, distillation
    # connectors): conversion prunes it. A placeholder that ran without its
    # extension raises during tracing, so absence cannot hide a float
    # fallback.
    unused = []
    for name in list(plans):
        nodes = binary_node_names(plans[name])
        present = [n in found for n in nodes]
        if not any(present):
            unused.append(name)
            del plans[name]
        elif not all(present):
            raise RuntimeError(
                f'{name}: only some of its BinaryConvolution nodes {nodes} '
                'survived the conversion')
    exported = ExportedModel(
        ov_model=ov_model,
        input_shape=input_shape,
        output_names=names,
        binary_layers=list(plans),
        float_layers=list(problems),
        unused_layers=unused,
        plans=plans,
        measured_float=measured_float,
        layer_timings=timings)
    info = dict(
        mmbin_version=__version__,
        input_shape=list(input_shape),
        output_names=names,
        binary_layers={
            name: binary_node_names(plan)
            for name, plan in plans.items()
        },
        float_layers=[list(p) for p in problems],
        measured_float=[list(p) for p in measured_float],
        layer_timings=timings,
        unused_layers=unused)
    ov_model.set_rt_info(json.dumps(info), EXPORT_INFO_KEY)
    return exported


def save_exported(exported: ExportedModel,
                  out_dir: str,
                  name: str = 'model') -> str:
    """Save the IR (``<name>.xml`` / ``<name>.bin``, weights not compressed
    to fp16; u1 weights stay bit-packed).

    Args:
        exported (ExportedModel): From :func:`export_openvino`.
        out_dir (str): Output directory (created).
        name (str): File stem. Defaults to ``'model'``.

    Returns:
        str: Path of the ``.xml`` file.
    """
    os.makedirs(out_dir, exist_ok=True)
    xml = os.path.join(out_dir, f'{name}.xml')
    ov.save_model(exported.ov_model, xml, compress_to_fp16=False)
    return xml


def ir_size(xml: str) -> int:
    """Size of an IR on disk.

    Args:
        xml (str): Path of the ``.xml`` file (the ``.bin`` beside it is
            counted too).

    Returns:
        int: Bytes of ``.xml`` + ``.bin``.
    """
    return os.path.getsize(xml) + os.path.getsize(
        os.path.splitext(xml)[0] + '.bin')
