# Copyright (c) mmbin contributors. All rights reserved.
"""Complexity accounting of binary networks: FLOPs, BOPs, OPs, parameters
and memory, per top-level component and in total.

Conventions (Bi-Real Net / ReActNet tables, docs/complexity.md):

- one multiply-accumulate (MAC) is one operation;
- ``BOPs`` are the MACs of binary-by-binary layers (binarized input and
  binarized weight), ``FLOPs`` all other MACs;
- ``OPs = BOPs / 64 + FLOPs``;
- memory is 1 bit per binary weight and 32 bits per other parameter
  (``Mbit = 1e6`` bits, ``MB = Mbit / 8``).

Method. The counting is MMEngine's :class:`~mmengine.analysis.FlopAnalyzer`
(a ``torch.jit`` trace with one handle per aten op and ops attributed to the
module scopes that executed them); mmbin adds no tracer. By default only the
MAC-type handles are kept (``aten::_convolution``, ``linear``, ``addmm``,
``mm``, ``matmul``, ``bmm``, ``einsum``): the published figures count
convolution and fully-connected MACs only, and MMEngine's extra handles for
norms, pooling and interpolation would add a few percent (``BN`` is folded
at deployment anyway). ``count_elementwise=True`` keeps them as FLOPs.

Binary MACs are separated by module rather than by op: a module is a binary
MAC layer when it has ``binarized_input`` and ``binarized_weight`` both
true (:class:`~mmbin.ops.BinaryConv2d` and its subclasses; any future binary
layer that exposes these two attributes and a ``weight`` joins in). The MAC
ops that the analyzer attributes to such a module's scope are its BOPs;
everything else is FLOPs. Ops of a binary layer that are not MACs (the BN
and bypass of ``BiDenseConv``, counted only with ``count_elementwise``) stay
FLOPs. A module with ``binarized_weight`` stores its ``weight`` at 1 bit per
entry; every other parameter (biases, norms, binarizer thresholds and
scales, RPReLU) is counted at 32 bits.

Components are the model's direct children (``backbone``, ``neck``,
``decode_head``, ``auxiliary_head``; an ``nn.ModuleList``/``ModuleDict``
child is split into its elements, e.g. a cascade ``decode_head.0``). A
component that the traced forward never calls (an mmseg auxiliary head,
which only runs in training) is listed but left out of the totals unless
``include_uncalled=True``. Ops and parameters owned by the root module
itself go to an ``others`` row.
"""
import json
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import (addmm_flop_jit, bmm_flop_jit,
                                           conv_flop_jit, einsum_flop_jit,
                                           linear_flop_jit, matmul_flop_jit)
from torch import Tensor

__all__ = [
    'MAC_OP_HANDLES', 'is_binary_mac_layer', 'build_flop_analyzer',
    'analyze_complexity',
    'complexity_table', 'dump_complexity_json'
]

#: aten ops counted as MACs, with MMEngine's handles.
MAC_OP_HANDLES = OrderedDict([
    ('aten::_convolution', conv_flop_jit),
    ('aten::linear', linear_flop_jit),
    ('aten::addmm', addmm_flop_jit),
    ('aten::mm', matmul_flop_jit),
    ('aten::matmul', matmul_flop_jit),
    ('aten::bmm', bmm_flop_jit),
    ('aten::einsum', einsum_flop_jit),
])

# Keys under which the analyzer reports those ops ('conv' for convolution,
# otherwise the aten name without namespace).
_MAC_KEYS = frozenset(['conv', 'linear', 'addmm', 'mm', 'matmul', 'bmm',
                       'einsum'])

STAT_KEYS = ('flops', 'bops', 'ops', 'params_fp', 'params_bin',
             'memory_mbit', 'memory_mb')


def is_binary_mac_layer(module: nn.Module) -> bool:
    """Whether ``module``'s MACs count as BOPs (binarized input and
    weight)."""
    return bool(getattr(module, 'binarized_input', False)
                and getattr(module, 'binarized_weight', False))


def _has_binary_weight(module: nn.Module) -> bool:
    return bool(getattr(module, 'binarized_weight', False)) and isinstance(
        getattr(module, 'weight', None), nn.Parameter)


def _component_names(model: nn.Module) -> List[str]:
    names = []
    for name, child in model.named_children():
        if isinstance(child, (nn.ModuleList, nn.ModuleDict)):
            names.extend(f'{name}.{sub}' for sub, _ in child.named_children())
        else:
            names.append(name)
    return names


def _owner(name: str, components: Sequence[str]) -> Optional[str]:
    for comp in components:
        if name == comp or name.startswith(comp + '.'):
            return comp
    return None


def _finish(stats: Dict[str, float]) -> Dict[str, float]:
    stats['ops'] = stats['bops'] / 64 + stats['flops']
    bits = stats['params_bin'] + 32 * stats['params_fp']
    stats['memory_mbit'] = bits / 1e6
    stats['memory_mb'] = bits / 8e6
    return stats


def _empty() -> Dict[str, float]:
    return dict(flops=0, bops=0, params_fp=0, params_bin=0)


def build_flop_analyzer(model: nn.Module,
                        inputs: Union[Tensor, Tuple[Tensor, ...]],
                        count_elementwise: bool = False) -> FlopAnalyzer:
    """The MMEngine analyzer that :func:`analyze_complexity` reads: MAC
    handles only unless ``count_elementwise``, warnings off.

    Args:
        model (nn.Module): The model to trace.
        inputs (Tensor | tuple[Tensor]): Example inputs.
        count_elementwise (bool): Keep MMEngine's full handle set (norms,
            pooling, interpolation). Defaults to False.

    Returns:
        FlopAnalyzer: Not yet run; the trace happens on the first query and
        is cached, so every reader of one analyzer sees the same counts.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs, )
    # FlopAnalyzer starts with MMEngine's full handle set (MACs, norms,
    # pooling, interpolation); keep it for count_elementwise.
    analyzer = FlopAnalyzer(model, inputs)
    if not count_elementwise:
        analyzer.clear_op_handles()
        analyzer.set_op_handle(**MAC_OP_HANDLES)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    return analyzer


@torch.no_grad()
def analyze_complexity(model: nn.Module,
                       inputs: Union[Tensor, Tuple[Tensor, ...]],
                       count_elementwise: bool = False,
                       include_uncalled: bool = False,
                       analyzer: Optional[FlopAnalyzer] = None) -> dict:
    """Count FLOPs, BOPs, OPs, parameters and memory of ``model``.

    Args:
        model (nn.Module): The model, usually in eval mode. It is traced with
            ``model(*inputs)``.
        inputs (Tensor | tuple[Tensor]): Example inputs (batch size 1 gives
            per-image figures).
        count_elementwise (bool): Also count MMEngine's non-MAC handles
            (norms, pooling, interpolation) as FLOPs. Defaults to False.
        include_uncalled (bool): Add components that the forward does not
            call (training-only heads) to the totals. Defaults to False.
        analyzer (FlopAnalyzer, optional): The analyzer to read, from
            :func:`build_flop_analyzer` with this ``model``, ``inputs`` and
            ``count_elementwise`` (so that a caller such as
            :func:`~.per_layer.per_layer_complexity` reads the same trace).
            Built here when None.

    Returns:
        dict: ``flops``, ``bops``, ``ops``, ``params_fp``, ``params_bin``,
        ``memory_mbit``, ``memory_mb`` (totals) and ``components``: an
        ordered dict of component name to the same keys plus ``called``
        (whether the forward ran it) and ``in_total``.
    """
    if analyzer is None:
        analyzer = build_flop_analyzer(model, inputs, count_elementwise)
    counts = analyzer.by_module_and_operator()
    uncalled = analyzer.uncalled_modules()

    components = _component_names(model)
    stats = OrderedDict((c, _empty()) for c in components)
    others = _empty()

    # MACs: everything counted in a component's scope, minus the MAC ops
    # of its binary layers, which are BOPs.
    for comp in components:
        stats[comp]['flops'] = sum(
            counts[analyzer.canonical_module_name(comp)].values())
    others['flops'] = sum(counts[''].values()) - sum(
        s['flops'] for s in stats.values())
    for name, module in model.named_modules():
        if not name or not is_binary_mac_layer(module):
            continue
        bops = sum(v for k, v in counts[analyzer.canonical_module_name(
            name)].items() if k in _MAC_KEYS)
        target = stats.get(_owner(name, components), others)
        target['bops'] += bops
        target['flops'] -= bops

    # Parameters (shared parameters counted once).
    binary_ids = {
        id(m.weight)
        for m in model.modules() if _has_binary_weight(m)
    }
    for name, param in model.named_parameters():
        target = stats.get(_owner(name, components), others)
        key = 'params_bin' if id(param) in binary_ids else 'params_fp'
        target[key] += param.numel()

    result_components = OrderedDict()
    total = _empty()
    for comp, s in stats.items():
        called = comp not in uncalled
        if not any(s.values()):
            continue  # e.g. a data preprocessor: no parameters, no MACs
        in_total = called or include_uncalled
        entry = _finish(dict(s))
        entry.update(called=called, in_total=in_total)
        result_components[comp] = entry
        if in_total:
            for k in total:
                total[k] += s[k]
    if any(others.values()):
        entry = _finish(dict(others))
        entry.update(called=True, in_total=True)
        result_components['others'] = entry
        for k in total:
            total[k] += others[k]
    result = _finish(total)
    result['components'] = result_components
    result['count_elementwise'] = count_elementwise
    return result


def _fmt_count(v: float) -> str:
    for unit, scale in (('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if abs(v) >= scale:
            return f'{v / scale:.3f} {unit}'
    return f'{v:.0f}'


def complexity_table(result: dict, title: Optional[str] = None) -> str:
    """Format :func:`analyze_complexity`'s result as a plain-text table
    (one row per component and a total row), in the spirit of Larq's
    model summary.

    Args:
        result (dict): Output of :func:`analyze_complexity`.
        title (str, optional): A line printed above the table.

    Returns:
        str: The table.
    """
    header = ('Component', 'FP params', 'Binary params', 'Memory (Mbit)',
              'Memory (MB)', 'FLOPs (FP MACs)', 'BOPs (bin MACs)',
              'OPs (BOPs/64+FLOPs)')

    def row(name, s):
        return (name, _fmt_count(s['params_fp']), _fmt_count(s['params_bin']),
                f'{s["memory_mbit"]:.2f}', f'{s["memory_mb"]:.2f}',
                _fmt_count(s['flops']), _fmt_count(s['bops']),
                _fmt_count(s['ops']))

    rows = []
    for name, s in result['components'].items():
        label = name if s['in_total'] else f'{name} (not run, excluded)'
        rows.append(row(label, s))
    total_row = row('Total', result)
    widths = [
        max(len(r[i]) for r in [header, total_row] + rows)
        for i in range(len(header))
    ]
    sep = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'

    def line(r):
        cells = [f' {r[0]:<{widths[0]}} '] + [
            f' {c:>{w}} ' for c, w in zip(r[1:], widths[1:])
        ]
        return '|' + '|'.join(cells) + '|'

    out = [] if title is None else [title]
    out += [sep, line(header), sep] + [line(r) for r in rows]
    out += [sep, line(total_row), sep]
    ratio = (result['flops'] + result['bops']) / max(result['ops'], 1)
    convention = ('MACs of conv/linear/matmul only' if not
                  result.get('count_elementwise') else
                  'MACs plus norm/pool/interpolation ops')
    out.append(f'FLOPs and BOPs count {convention}; OPs = BOPs/64 + FLOPs; '
               f'memory = 1 bit per binary weight + 32 bits per FP '
               f'parameter. OPs reduction vs all-FP: {ratio:.1f}x.')
    return '\n'.join(out)


def dump_complexity_json(result: dict, path: str) -> None:
    """Write :func:`analyze_complexity`'s result to ``path`` as JSON.

    Args:
        result (dict): Output of :func:`analyze_complexity`.
        path (str): Output file.
    """
    with open(path, 'w') as f:
        json.dump(result, f, indent=2)
