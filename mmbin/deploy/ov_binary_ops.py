# Copyright (c) mmbin contributors. All rights reserved.
"""OpenVINO sub-graphs that run a :class:`BinaryLayerPlan` on the CPU
plugin's bit-packed XNOR-popcount kernel.

Every binary layer becomes::

    FakeQuantize(levels=2, in_low=in_high=thr_c, out 0/1)   -> u1 (packs bits)
    BinaryConvolution(u1 weights, 'xnor-popcount', pad_value)
    [- constant]  (channel padding, see below)
    * alpha_o

The CPU plugin runs the ``FakeQuantize`` as its ``FQBinarization`` node
(output precision u1) and the ``BinaryConvolution`` with its JIT u1 kernel
(``jit_avx512_u1`` on AVX-512 machines). It computes ``K - 2 popcount(x XOR
w)`` in int32, so the binary part is exact; the following per-channel
multiply-adds (``alpha``, the layer's bias, BN, the residual sum) are fused
into the convolution as post-ops.

Traps of the CPU plugin (measured with OpenVINO 2026.4.1, see
docs/deployment.md) that this module handles:

- **u1 bit order**: the CPU plugin reads u1 constants LSB-first within each
  byte (``np.packbits(..., bitorder='little')``); OpenVINO's
  ``pack_data`` helper and the core reference implementation are MSB-first.
- **sign(0)**: the binarization is the strict ``x > in_low``. mmbin's
  ``sign(0) = +1`` is ``x >= t``, i.e. ``x > nextafter(t, -inf)``
  (:func:`binarization_threshold`).
- **pad_value**: on CPU ``1.0`` pads with bit 1 (``+1``), ``0.0`` leaves
  padded taps out (zero padding), any other value pads with bit 0 (``-1``).
  mmbin layers pad with ``+1`` or ``-1``, which map directly.
- **channel count**: the u1 kernel returns wrong results (no error) when
  the input channels per group are not a multiple of 8 (input channels 1,
  2, 4, 12, 20, 33 were all wrong; 8, 24, 40, 72 exact); ``C_in = 3`` is
  rejected. The input is therefore padded with constant channels whose
  bits match their weight bits (every tap adds exactly ``+1``) and what
  they add is subtracted: ``n_extra * kh * kw``, or with zero padding
  (``pad_value=0``, padded taps left out) ``n_extra`` times the number of
  in-map taps of each output pixel (:func:`in_map_taps`).
- **groups**: ``BinaryConvolution`` has no groups; a grouped layer runs as
  one convolution per group on a channel split, or (depthwise,
  ``plan.groups_per_block``) as complement-pair blocks
  (:func:`_complement_blocks`).
"""
from typing import List, Optional, Sequence

import numpy as np
import openvino as ov
import openvino.opset13 as ops

from .binary_layer_plan import BinaryLayerPlan

__all__ = [
    'binarization_threshold', 'pack_u1', 'u1_constant', 'fq_binarize',
    'build_binary_layer', 'restore_thresholds', 'CHANNEL_MULTIPLE',
    'in_map_taps'
]

#: The CPU u1 kernel is exact only for input channels (per group) that are
#: a multiple of this.
CHANNEL_MULTIPLE = 8


def _const(value, dtype=np.float32) -> ov.Node:
    return ops.constant(np.asarray(value, dtype=dtype))


def binarization_threshold(threshold) -> np.ndarray:
    """Threshold ``t'`` of OpenVINO's strict binarization ``x > t'`` that
    equals mmbin's ``x >= t`` in float32 (so that ``sign(t) = +1``, and
    ``sign(0) = sign(-0.0) = +1`` at ``t = 0``).

    Args:
        threshold (array-like): ``t`` (float32 values).

    Returns:
        np.ndarray: ``nextafter(t, -inf)`` in float32, the largest float32
        below ``t`` (``-1.4e-45`` for ``t = 0``).
    """
    t = np.asarray(threshold, dtype=np.float32)
    if not np.all(np.isfinite(t)):
        raise ValueError('binarization thresholds must be finite')
    return np.nextafter(t, np.float32(-np.inf)).astype(np.float32)


def pack_u1(bits: np.ndarray) -> np.ndarray:
    """Pack booleans (row-major) into bytes the way the CPU plugin reads u1
    constants: **LSB first** within each byte.

    Args:
        bits (np.ndarray): Booleans of any shape; True is bit 1 (``+1``).

    Returns:
        np.ndarray: uint8, ``ceil(bits.size / 8)`` bytes.
    """
    return np.packbits(np.asarray(bits, dtype=bool).ravel(), bitorder='little')


def u1_constant(bits: np.ndarray, name: Optional[str] = None) -> ov.Node:
    """A u1 ``Constant`` holding ``bits`` packed LSB-first (1 bit per
    entry in memory and in the saved ``.bin``).

    Args:
        bits (np.ndarray): Booleans, e.g. ``(C_out, C_in, kh, kw)``.
        name (str, optional): Friendly name.

    Returns:
        ov.Node: The constant.
    """
    bits = np.asarray(bits, dtype=bool)
    tensor = ov.Tensor(ov.Type.u1, list(bits.shape))
    packed = pack_u1(bits)
    data = tensor.data
    if data.size != packed.size:
        raise RuntimeError(f'u1 tensor of shape {bits.shape} holds '
                           f'{data.size} bytes, packed {packed.size}')
    data[:] = packed
    node = ov.op.Constant(tensor)
    if name:
        node.set_friendly_name(name)
    return node


def fq_binarize(x: ov.Output,
                threshold: np.ndarray,
                name: Optional[str] = None) -> ov.Node:
    """``bit = x >= threshold_c`` as the FakeQuantize form that the CPU
    plugin runs as its bit-packing ``FQBinarization`` node.

    Args:
        x (ov.Output): Real input ``(N, C, H, W)``.
        threshold (np.ndarray): ``(C,)`` or scalar, mmbin semantics
            (``x >= t`` is bit 1).
        name (str, optional): Friendly name.

    Returns:
        ov.Node: FakeQuantize with outputs 0 / 1.
    """
    t = binarization_threshold(threshold)
    if t.ndim == 1:
        t = t.reshape(1, -1, 1, 1)
    node = ops.fake_quantize(x, _const(t), _const(t), _const(0.0), _const(1.0),
                             2)
    if name:
        node.set_friendly_name(name)
    return node


def _static_shape(x: ov.Output, owner: str) -> List[int]:
    shape = x.get_partial_shape()
    if shape.is_dynamic or shape.rank.get_length() != 4:
        raise ValueError(f'{owner}: the CPU BinaryConvolution needs a static '
                         f'4-D input shape, got {shape}; export with a fixed '
                         'input shape')
    return [int(d) for d in shape.to_shape()]


def _pad_real(x: ov.Output, plan: BinaryLayerPlan) -> ov.Output:
    """Non-constant padding applied to the real input (it commutes with
    the binarization because it only copies values)."""
    top, bottom, left, right = plan.pads
    if plan.pad_mode in ('reflect', 'replicate'):
        mode = 'reflect' if plan.pad_mode == 'reflect' else 'edge'
        return ops.pad(x, _const([0, 0, top, left], np.int64),
                       _const([0, 0, bottom, right], np.int64), mode).output(0)
    if plan.pad_mode != 'circular':
        raise ValueError(f'{plan.name}: unknown pad mode {plan.pad_mode!r}')
    n, c, h, w = _static_shape(x, plan.name)

    def wrap(t, axis, size, before, after):
        parts = []
        if before:
            parts.append(
                ops.slice(t, _const([size - before], np.int64),
                          _const([size], np.int64), _const([1], np.int64),
                          _const([axis], np.int64)).output(0))
        parts.append(t)
        if after:
            parts.append(
                ops.slice(t, _const([0], np.int64), _const([after], np.int64),
                          _const([1], np.int64), _const([axis],
                                                        np.int64)).output(0))
        return ops.concat(parts, axis).output(0) if len(parts) > 1 else t

    x = wrap(x, 3, w, left, right)
    return wrap(x, 2, h, top, bottom)


def _packed_conv(x: ov.Output, bits: np.ndarray, threshold: np.ndarray,
                 plan: BinaryLayerPlan, strides: Sequence[int],
                 pads_begin: Sequence[int], pads_end: Sequence[int],
                 dilations: Sequence[int], pad_value: float,
                 name: str) -> ov.Output:
    """One ``BinaryConvolution`` (integer result ``sum +-1``) with the input
    channels padded to a multiple of :data:`CHANNEL_MULTIPLE`."""
    n, c, h, w = _static_shape(x, plan.name)
    kh, kw = bits.shape[2:]
    n_extra = (-c) % CHANNEL_MULTIPLE
    if n_extra:
        # Constant channels: value +1 (bit 1) with weight bit 1 when padded
        # taps are +1, value -1 (bit 0) with weight bit 0 when they are -1;
        # each extra channel then adds exactly +1 per tap.
        fill = 1.0 if pad_value > 0 else -1.0
        x = ops.concat(
            [x, _const(np.full(
                (n, n_extra, h, w), fill, np.float32))], 1).output(0)
        threshold = np.concatenate([threshold, np.zeros(n_extra, np.float32)])
        bits = np.concatenate(
            [bits, np.full((bits.shape[0], n_extra, kh, kw), fill > 0)],
            axis=1)
    fq = fq_binarize(x, threshold, name=f'{name}/Binarize')
    # convert_model's FlushFP32SubnormalsToZero pass would turn the
    # threshold of sign(0) = +1 (-1.4e-45) into 0; keep the intended values
    # so that the exporter can put them back (restore_thresholds).
    plan.extra.setdefault('thresholds', {})[name] = \
        binarization_threshold(threshold)
    conv = ops.binary_convolution(fq, u1_constant(bits, f'{name}/weights'),
                                  list(strides), list(pads_begin),
                                  list(pads_end), list(dilations),
                                  'xnor-popcount', float(pad_value))
    conv.set_friendly_name(name)
    out = conv.output(0)
    if n_extra:
        if pad_value == 0.0 and (any(pads_begin) or any(pads_end)):
            # zero padding leaves the padded taps of the extra channels
            # out too: they add +1 per in-map tap only
            taps = in_map_taps((h, w), (kh, kw), strides, pads_begin, pads_end,
                               dilations)
            extra = _const((n_extra * taps)[None, None])
        else:
            extra = _const(float(n_extra * kh * kw))
        out = ops.subtract(out, extra).output(0)
    return out


def in_map_taps(in_hw: Sequence[int], kernel: Sequence[int],
                strides: Sequence[int], pads_begin: Sequence[int],
                pads_end: Sequence[int],
                dilations: Sequence[int]) -> np.ndarray:
    """Number of kernel taps of each output pixel that fall inside the
    input map (not on padding).

    Args:
        in_hw (Sequence[int]): Input ``(H, W)``.
        kernel (Sequence[int]): ``(kh, kw)``.
        strides, pads_begin, pads_end, dilations (Sequence[int]): As in
            the convolution, ``(h, w)`` each.

    Returns:
        np.ndarray: float32 ``(H_out, W_out)``; ``kh * kw`` inside,
        fewer on the border.
    """
    counts = []
    for size, k, s, pb, pe, d in zip(in_hw, kernel, strides, pads_begin,
                                     pads_end, dilations):
        n_out = (size + pb + pe - d * (k - 1) - 1) // s + 1
        pos = (np.arange(n_out)[:, None] * s - pb + np.arange(k)[None, :] * d)
        counts.append(((pos >= 0) & (pos < size)).sum(axis=1))
    return np.outer(counts[0], counts[1]).astype(np.float32)


def restore_thresholds(model: ov.Model, plans) -> int:
    """Put back the binarization thresholds after ``convert_model``.

    ``openvino.convert_model`` runs ``FlushFP32SubnormalsToZero``, which
    turns the threshold ``-1.4e-45`` (``x > -1.4e-45`` is ``x >= 0``,
    mmbin's ``sign(0) = +1``) into 0, i.e. ``sign(0) = -1``; its
    common-subexpression pass may then merge binarizations of the same
    tensor. For every ``BinaryConvolution`` of the plans (found by name,
    see :func:`~mmbin.deploy.export.export_openvino`), the FakeQuantize in
    front of it is checked: when its thresholds equal the intended ones up
    to flushed subnormals, a FakeQuantize with the intended thresholds
    replaces it for that convolution. A FakeQuantize whose thresholds were
    changed otherwise (an ``Add`` folded into it) is left alone: the
    difference is float rounding of the full-precision input, not the
    binary part. The saved IR keeps subnormal constants and the CPU plugin
    does not flush them.

    Args:
        model (ov.Model): The converted model (modified in place).
        plans (Iterable[BinaryLayerPlan]): The packed layers.

    Returns:
        int: Number of ``BinaryConvolution`` nodes whose binarization was
        checked.

    Raises:
        RuntimeError: When a ``BinaryConvolution`` of the plans is not fed
            by a FakeQuantize with constant thresholds.
    """
    wanted = {}
    for plan in plans:
        wanted.update(plan.extra.get('thresholds', {}))
    tiny = np.finfo(np.float32).tiny
    replaced = {}
    checked = 0
    for conv in model.get_ops():
        name = conv.get_friendly_name()
        if conv.get_type_name() != 'BinaryConvolution' or name not in wanted:
            continue
        t = wanted[name]
        fq = conv.input_value(0).get_node()
        bounds = [fq.input_value(i).get_node() for i in (1, 2)] \
            if fq.get_type_name() == 'FakeQuantize' else []
        if not bounds or any(b.get_type_name() != 'Constant' for b in bounds):
            raise RuntimeError(
                f'{name}: expected a FakeQuantize with constant thresholds '
                f'in front of it after conversion, found '
                f'{fq.get_type_name()}')
        checked += 1
        ok = True
        for b in bounds:
            data = b.get_data().astype(np.float32).reshape(-1)
            if data.size not in (1, t.size):
                ok = False
                continue
            cur = np.broadcast_to(data, t.shape)
            flushed = (cur == 0) & (np.abs(t) < tiny)
            ok = ok and bool(np.all((cur == t) | flushed))
        if not ok or all(
                np.array_equal(b.get_data().reshape(-1), t) for b in bounds):
            continue
        key = (fq.get_friendly_name(), t.tobytes())
        if key not in replaced:
            thr = _const(t.reshape(1, -1, 1, 1))
            new = ops.fake_quantize(
                fq.input_value(0), thr, thr, _const(0.0), _const(1.0), 2)
            new.set_friendly_name(f'{name}/Binarize')
            replaced[key] = new
        conv.input(0).replace_source_output(replaced[key].output(0))
    return checked


def build_binary_layer(x: ov.Output, plan: BinaryLayerPlan) -> ov.Output:
    """The packed computation of a plan: ``alpha_o * conv(pad(bits(x)),
    sign(W))`` (:meth:`BinaryLayerPlan.reference`).

    The ``BinaryConvolution`` nodes are named ``<layer>/BinaryConvolution``
    (``..._g<i>`` per group), which is how the runtime graph is matched back
    to the layers.

    Args:
        x (ov.Output): Input ``(N, C_in, H, W)`` with a static shape.
        plan (BinaryLayerPlan): The layer.

    Returns:
        ov.Output: ``(N, C_out, H_out, W_out)`` float32.
    """
    if plan.kind == 'conv_transpose':
        return _build_conv_transpose(x, plan)
    name = f'{plan.name}/BinaryConvolution'
    top, bottom, left, right = plan.pads
    pads_begin, pads_end = [top, left], [bottom, right]
    pad_value = plan.pad_value
    if plan.pad_mode != 'constant' and any(plan.pads):
        x = _pad_real(x, plan)
        pads_begin, pads_end, pad_value = [0, 0], [0, 0], 1.0
    g = plan.groups
    if plan.groups_per_block:
        out = _complement_blocks(x, plan, pads_begin, pads_end, pad_value,
                                 name)
    elif g == 1:
        out = _packed_conv(x, plan.weight_bits, plan.threshold, plan,
                           plan.stride, pads_begin, pads_end, plan.dilation,
                           pad_value, name)
    else:
        cg = plan.in_channels // g
        og = plan.out_channels // g
        parts = ops.split(x, _const(1, np.int64), g)
        outs = [
            _packed_conv(
                parts.output(i), plan.weight_bits[i * og:(i + 1) * og],
                plan.threshold[i * cg:(i + 1) * cg], plan, plan.stride,
                pads_begin, pads_end, plan.dilation, pad_value, f'{name}_g{i}')
            for i in range(g)
        ]
        out = ops.concat(outs, 1).output(0)
    alpha = plan.alpha.reshape(1, -1, 1, 1)
    return ops.multiply(out, _const(alpha)).output(0)


def _complement_blocks(x: ov.Output, plan: BinaryLayerPlan,
                       pads_begin: Sequence[int], pads_end: Sequence[int],
                       pad_value: float, name: str) -> ov.Output:
    """A grouped binary conv (e.g. depthwise) as few dense
    ``BinaryConvolution`` nodes, each over ``plan.groups_per_block``
    groups, exactly.

    A block's input is ``[bits(x_blk), NOT bits(x_blk)]``. An output of
    group ``j`` gets weight bits ``w`` on ``x`` and ``NOT w`` on ``NOT x``
    for its own group's channels (``xnor(b, w) = xnor(NOT b, NOT w)``: each
    tap counts twice) and the same bit on ``x`` and ``NOT x`` for the other
    groups' channels (``xnor(b, u) + xnor(NOT b, u) = 1``: ``+1 - 1 = 0``).
    The raw result is therefore exactly twice the grouped convolution,
    provided that every tap sees complementary bits: with zero padding the
    padded taps are left out (``pad_value=0``); with ``+-1`` padding the
    real input is padded before the binarization with ``+-FLT_MAX``, whose
    bits are the padding bits (so the conv itself has no padding). Channel
    counts that are not a multiple of 8 are padded by
    :func:`_packed_conv`. The nodes are named ``<name>_b<i>``.
    """
    g, gpb = plan.groups, plan.groups_per_block
    if g % gpb:
        raise ValueError(f'{plan.name}: groups_per_block={gpb} does not '
                         f'divide groups={g}')
    nb = g // gpb
    cg = plan.in_channels // g
    og = plan.out_channels // g
    t_bits = binarization_threshold(plan.threshold)  # bit: x > t_bits
    # NOT (x > t) == (-x >= -t): the complement in mmbin's x >= t form
    thr_neg = -t_bits
    if any(pads_begin) or any(pads_end):
        if pad_value != 0.0:
            big = np.finfo(np.float32).max
            if pad_value < 0 and np.any(plan.threshold <= -big):
                raise ValueError(f'{plan.name}: a threshold of -FLT_MAX '
                                 'cannot be padded with -1 bits')
            fill = big if pad_value > 0 else -big
            _static_shape(x, plan.name)
            x = ops.pad(x, _const([0, 0, *pads_begin], np.int64),
                        _const([0, 0, *pads_end], np.int64), 'constant',
                        _const(fill)).output(0)
            pads_begin, pads_end = [0, 0], [0, 0]
    neg = ops.negative(x).output(0)
    if nb > 1:
        xs = ops.split(x, _const(1, np.int64), nb).outputs()
        ns = ops.split(neg, _const(1, np.int64), nb).outputs()
    else:
        xs, ns = [x], [neg]
    kh, kw = plan.kernel_size
    bc, bo = gpb * cg, gpb * og
    outs = []
    for i in range(nb):
        own = plan.weight_bits[i * bo:(i + 1) * bo]  # (bo, cg, kh, kw)
        bits = np.ones((bo, 2 * bc, kh, kw), bool)
        for j in range(gpb):
            rows = slice(j * og, (j + 1) * og)
            bits[rows, j * cg:(j + 1) * cg] = own[rows]
            bits[rows, bc + j * cg:bc + (j + 1) * cg] = ~own[rows]
        z = ops.concat([xs[i], ns[i]], 1).output(0)
        thr = np.concatenate([
            plan.threshold[i * bc:(i + 1) * bc], thr_neg[i * bc:(i + 1) * bc]
        ])
        outs.append(
            _packed_conv(z, bits, thr, plan, plan.stride, pads_begin, pads_end,
                         plan.dilation, pad_value, f'{name}_b{i}'))
    out = ops.concat(outs, 1).output(0) if nb > 1 else outs[0]
    return ops.multiply(out, _const(0.5)).output(0)


def _build_conv_transpose(x: ov.Output, plan: BinaryLayerPlan) -> ov.Output:
    """``kernel_size == stride`` transposed conv: a 1x1 binary conv with
    ``C_out * kh * kw`` outputs, then depth-to-space."""
    n, _, h, w = _static_shape(x, plan.name)
    kh, kw = plan.kernel_size
    c_out = plan.out_channels
    # bits1[(o, i, j), c] = bits[o, c, i, j]
    bits1 = plan.weight_bits.transpose(0, 2, 3,
                                       1).reshape(c_out * kh * kw, -1, 1, 1)
    out = _packed_conv(x, bits1, plan.threshold, plan, [1, 1], [0, 0], [0, 0],
                       [1, 1], 1.0, f'{plan.name}/BinaryConvolution')
    alpha = np.repeat(plan.alpha, kh * kw).reshape(1, -1, 1, 1)
    out = ops.multiply(out, _const(alpha)).output(0)
    out = ops.reshape(out, _const([n, c_out, kh, kw, h, w], np.int64), False)
    out = ops.transpose(out, _const([0, 1, 4, 2, 5, 3], np.int64))
    return ops.reshape(out, _const([n, c_out, h * kh, w * kw], np.int64),
                       False).output(0)
