# Copyright (c) mmbin contributors. All rights reserved.
"""Choose, by measurement, how a grouped binary layer (e.g. a depthwise
7x7 conv of BiDense's ConvNeXt) runs on the CPU: on the bit-packed kernel
as complement-pair blocks (:func:`~.ov_binary_ops.build_binary_layer`
with ``plan.groups_per_block``), or as float math.

A depthwise binary conv does ``kh * kw`` MACs per output value; as blocks
of ``B`` channels the u1 kernel computes ``2 B kh kw`` bit products per
output value (``B`` times more work, on 1-bit operands). Whether that is
faster than a float depthwise conv depends on the CPU, the channel count
and the map size, so the exporter times both on the layer's own input
shape and keeps the faster; the decision and the times are stored in the
IR's export summary and printed by the tools.
"""
import copy
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import openvino as ov
import openvino.opset13 as ops

from .binary_layer_plan import BinaryLayerPlan
from .ov_binary_ops import _pad_real, build_binary_layer

__all__ = [
    'LayerTiming', 'block_candidates', 'float_layer_graph', 'time_layers',
    'choose_layer_formulation', 'GROUPED_MODES'
]

#: How the exporter runs binary layers with more groups than
#: :data:`~.binary_layer_plan.MAX_SPLIT_GROUPS`: ``'measure'`` (the faster
#: of blocks and float), ``'binary'`` (blocks, never float), ``'float'``.
GROUPED_MODES = ('measure', 'binary', 'float')


@dataclass
class LayerTiming:
    """Measured formulations of one layer.

    Attributes:
        name (str): Layer name.
        input_shape (tuple[int, ...]): Input shape timed.
        times_ms (dict[str, float]): Best-of-``runs`` ms per formulation:
            ``'float'`` and ``'blocks<B>'`` (``B`` groups per block).
        choice (str): The fastest formulation.
        num_threads (int): Threads timed with.
    """

    name: str
    input_shape: Tuple[int, ...]
    times_ms: Dict[str, float] = field(default_factory=dict)
    choice: str = ''
    num_threads: int = 1

    @property
    def groups_per_block(self) -> int:
        """int: ``B`` of the choice, 0 when it is float."""
        if self.choice.startswith('blocks'):
            return int(self.choice[len('blocks'):])
        return 0

    def verdict(self) -> str:
        """str: The choice against the best other formulation, e.g.
        ``'float 0.09 ms < u1 blocks16 0.13 ms (input [1, 96, 8, 10], 1
        thread(s))'``."""
        rest = {k: v for k, v in self.times_ms.items() if k != self.choice}
        best = self.times_ms[self.choice]
        line = f'{self._label(self.choice)} {best:.3f} ms'
        if rest:
            other = min(rest, key=rest.get)
            line += f' < {self._label(other)} {rest[other]:.3f} ms'
        return (f'{line} (input {list(self.input_shape)}, '
                f'{self.num_threads} thread(s))')

    @staticmethod
    def _label(key: str) -> str:
        return key if key == 'float' else f'u1 {key}'

    def describe(self) -> str:
        """str: One line with the times and the choice."""
        times = ', '.join(
            f'{k} {v:.3f} ms'
            for k, v in sorted(self.times_ms.items(), key=lambda kv: kv[1]))
        return (f'{self.name} {list(self.input_shape)}: {times} '
                f'({self.num_threads} thread(s)) -> {self.choice}')


def block_candidates(plan: BinaryLayerPlan,
                     sizes: Sequence[int] = (4, 8, 16, 32)) -> List[int]:
    """Groups per block to try: the divisors of ``groups`` among
    ``sizes`` (in input channels per block half) and all groups in one
    block.

    Args:
        plan (BinaryLayerPlan): A grouped conv plan.
        sizes (Sequence[int]): Input channels per block (per half).

    Returns:
        list[int]: Distinct groups-per-block values, ascending.
    """
    g = plan.groups
    cg = plan.in_channels // g
    out = set()
    for c in sizes:
        if c % cg == 0 and g % (c // cg) == 0:
            out.add(c // cg)
    out.add(g)
    return sorted(out)


def float_layer_graph(x: ov.Output, plan: BinaryLayerPlan) -> ov.Output:
    """The float computation of a plan (what ``--allow-float`` / a float
    choice runs): sign by comparison, padding, a float (group)
    convolution with ``sign(W)``, times ``alpha``.

    Args:
        x (ov.Output): Input ``(N, C_in, H, W)``.
        plan (BinaryLayerPlan): A ``'conv'`` plan.

    Returns:
        ov.Output: ``alpha_o * conv(pad(bits(x)), sign(W))``.
    """
    top, bottom, left, right = plan.pads
    if plan.pad_mode != 'constant' and any(plan.pads):
        x = _pad_real(x, plan)
        top = bottom = left = right = 0
    thr = plan.threshold.reshape(1, -1, 1, 1).astype(np.float32)
    b = ops.select(
        ops.greater_equal(x, ops.constant(thr)), ops.constant(np.float32(1.0)),
        ops.constant(np.float32(-1.0)))
    if top or bottom or left or right:
        b = ops.pad(b, ops.constant(np.array([0, 0, top, left], np.int64)),
                    ops.constant(np.array([0, 0, bottom, right], np.int64)),
                    'constant', ops.constant(np.float32(plan.pad_value)))
    w = plan.weight_bits.astype(np.float32) * 2 - 1
    g = plan.groups
    w = w.reshape(g, plan.out_channels // g, *w.shape[1:])
    out = ops.group_convolution(b, ops.constant(w), list(plan.stride), [0, 0],
                                [0, 0], list(plan.dilation))
    alpha = plan.alpha.reshape(1, -1, 1, 1).astype(np.float32)
    return ops.multiply(out, ops.constant(alpha)).output(0)


def time_layers(builds: Dict[str, Callable[[ov.Output], ov.Output]],
                input_shape: Sequence[int],
                num_threads: int = 1,
                runs: int = 30,
                warmup: int = 3,
                seed: int = 0) -> Dict[str, float]:
    """Best (minimum) ms of one-input graphs on the CPU plugin.

    The graphs are compiled first and then called in turn, one call each
    per round, so that a change of load on a busy machine hits all of them
    alike; the minimum over ``runs`` rounds is the least disturbed by
    other processes. Both matter for a choice between formulations whose
    times differ by tens of microseconds.

    Args:
        builds (dict[str, Callable[[ov.Output], ov.Output]]): Name to a
            function that builds the graph on the input.
        input_shape (Sequence[int]): Static input shape.
        num_threads (int): Inference threads.
        runs (int): Timed rounds.
        warmup (int): Untimed rounds.
        seed (int): Input seed.

    Returns:
        dict[str, float]: Minimum latency in ms per name.
    """
    from .runtime import compile_model
    shape = [int(d) for d in input_shape]
    requests = {}
    for name, build in builds.items():
        param = ops.parameter(shape, np.float32)
        model = ov.Model([build(param.output(0))], [param])
        requests[name] = compile_model(
            model, num_threads=num_threads).create_infer_request()
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    times = {name: [] for name in requests}
    for r in range(warmup + runs):
        for name, request in requests.items():
            start = time.perf_counter()
            request.infer([x])
            if r >= warmup:
                times[name].append((time.perf_counter() - start) * 1e3)
    return {name: float(np.min(t)) for name, t in times.items()}


def choose_layer_formulation(plan: BinaryLayerPlan,
                             input_shape: Sequence[int],
                             num_threads: int = 1,
                             runs: int = 30,
                             candidates: Optional[Sequence[int]] = None,
                             with_float: bool = True) -> LayerTiming:
    """Time a grouped binary layer as float and as complement-pair blocks
    on its input shape, and pick the fastest.

    Args:
        plan (BinaryLayerPlan): The layer (its ``groups_per_block`` is not
            changed).
        input_shape (Sequence[int]): The layer's input shape in the model.
        num_threads (int): Threads to time with. Defaults to 1.
        runs (int): Timed calls per formulation. Defaults to 30.
        candidates (Sequence[int], optional): Groups per block to try
            (default :func:`block_candidates`).
        with_float (bool): Time the float formulation too (otherwise only
            block sizes compete). Defaults to True.

    Returns:
        LayerTiming: Times and choice.
    """
    shape = tuple(int(d) for d in input_shape)
    timing = LayerTiming(plan.name, shape, num_threads=num_threads)
    builds = {}
    if with_float:
        builds['float'] = lambda x: float_layer_graph(x, plan)

    def blocks(gpb):

        def build(x):
            p = copy.copy(plan)
            p.groups_per_block = gpb
            p.extra = {}
            return build_binary_layer(x, p)

        return build

    for gpb in (candidates or block_candidates(plan)):
        builds[f'blocks{gpb}'] = blocks(gpb)
    timing.times_ms = time_layers(builds, shape, num_threads, runs)
    timing.choice = min(timing.times_ms, key=timing.times_ms.get)
    return timing
