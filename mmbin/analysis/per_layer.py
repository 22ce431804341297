# Copyright (c) mmbin contributors. All rights reserved.
"""Per-layer complexity of binary networks, in the spirit of Larq's model
summary: one row per layer with its input and weight precision, 1-bit and
32-bit parameters, BOPs, FLOPs and memory.

The counts are not made here. :func:`per_layer_complexity` builds one
MMEngine analyzer (:func:`~.complexity.build_flop_analyzer`), lets
:func:`~.complexity.analyze_complexity` read it for the per-component
figures, and splits the same ``by_module_and_operator()`` counts over the
layers; the rows of each component are checked to add up to that
component's figures, so the two tables cannot disagree.

A *layer* is a module that owns parameters itself (not through a child) or
that runs counted ops in its own scope (not in a child's): convolutions,
linear layers, norms, binarizers with parameters (RSign thresholds, DAB
scales), RPReLU, and a container whose ``forward`` calls a functional op
(``F.linear``, ``torch.matmul``, ``F.interpolate`` with
``count_elementwise``). MMEngine attributes every op to the innermost module
scope that ran it and to all enclosing scopes, so a module's own ops are its
counts minus those of its direct children; every op belongs to exactly one
layer. A layer whose ops are not counted (a norm without
``count_elementwise``, an RSign) shows 0 ops.

Conventions (as :mod:`~.complexity`): MAC ops inside a binary MAC layer
(``binarized_input`` and ``binarized_weight``), including its children's,
are BOPs, every other counted op is FLOPs; a binarized ``weight`` is 1 bit,
every other parameter 32 bits. Input precision is 1 bit for a module with
``binarized_input``, otherwise 32 bits; weight precision is 1 bit for a
binarized weight, 32 bits for other own parameters and ``-`` for a layer
without parameters. Rows of a component that the forward never runs (an
mmseg auxiliary head) are listed, marked and left out of the totals unless
``include_uncalled``, exactly as that component in the component table.
"""
import math
from collections import Counter
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmbin.utils.markdown import markdown_table
from .complexity import (_MAC_KEYS, _component_names, _fmt_count,
                         _has_binary_weight, _owner, analyze_complexity,
                         build_flop_analyzer, is_binary_mac_layer)

__all__ = [
    'per_layer_complexity', 'per_layer_table', 'per_layer_markdown',
    'PER_LAYER_KEYS'
]

#: Keys of a row of ``result['layers']``.
PER_LAYER_KEYS = ('name', 'type', 'component', 'input_bits', 'weight_bits',
                  'params_bin', 'params_fp', 'bops', 'flops', 'ops',
                  'memory_bits', 'in_total')

_SUMMED = ('params_bin', 'params_fp', 'bops', 'flops')
_ROOT_LABEL = '(model)'


def _parent(name: str) -> str:
    return name.rsplit('.', 1)[0] if '.' in name else ''


def _own_op_counts(counts: Dict[str, Counter]) -> Dict[str, Counter]:
    """Counts of each module scope minus those of its direct children.

    ``counts`` is keyed by canonical module names; every prefix of a
    canonical name is canonical (a shared module keeps the path through
    which it was first reached), so the names form a tree.
    """
    own = {name: Counter(c) for name, c in counts.items()}
    for name, c in counts.items():
        if name:
            own[_parent(name)].subtract(c)
    return own


def _binary_scopes(model: nn.Module, analyzer) -> List[str]:
    return [
        analyzer.canonical_module_name(name)
        for name, module in model.named_modules()
        if name and is_binary_mac_layer(module)
    ]


def _in_scope(name: str, scopes: List[str]) -> bool:
    return any(name == s or name.startswith(s + '.') for s in scopes)


def _input_bits(module: nn.Module) -> int:
    return 1 if getattr(module, 'binarized_input', False) else 32


def _check_sums(layers: List[dict], components: dict) -> None:
    for comp, stats in components.items():
        rows = [r for r in layers if r['component'] == comp]
        for key in _SUMMED:
            got = sum(r[key] for r in rows)
            if not math.isclose(got, stats[key], rel_tol=1e-9, abs_tol=1e-6):
                raise RuntimeError(
                    f'per_layer_complexity: the layers of "{comp}" add up to '
                    f'{key}={got}, the component table says {stats[key]}. '
                    f'The model reaches one module through two parents in a '
                    f'way the per-layer split cannot attribute; use '
                    f'analyze_complexity for this model')


@torch.no_grad()
def per_layer_complexity(model: nn.Module,
                         inputs: Union[Tensor, Tuple[Tensor, ...]],
                         count_elementwise: bool = False,
                         include_uncalled: bool = False) -> dict:
    """Count FLOPs, BOPs, parameters and memory per layer and per component.

    Args:
        model (nn.Module): The model, usually in eval mode, traced with
            ``model(*inputs)``.
        inputs (Tensor | tuple[Tensor]): Example inputs (batch size 1 gives
            per-image figures).
        count_elementwise (bool): See :func:`~.complexity.
            analyze_complexity`. Defaults to False.
        include_uncalled (bool): See :func:`~.complexity.
            analyze_complexity`. Defaults to False.

    Returns:
        dict: :func:`~.complexity.analyze_complexity`'s result (totals and
        ``components``) plus ``layers``: a list, in module order, of dicts
        with the keys :data:`PER_LAYER_KEYS`: ``name`` (module path, ``''``
        for the root), ``type`` (class name), ``component`` (its row in
        ``components``, ``'others'`` for the root), ``input_bits`` (1 or
        32), ``weight_bits`` (1, 32 or None without own parameters),
        ``params_bin``, ``params_fp``, ``bops``, ``flops``, ``ops``
        (``bops / 64 + flops``), ``memory_bits``
        (``params_bin + 32 * params_fp``) and ``in_total`` (the row counts
        in the totals, as its component). There is no per-layer "called"
        flag: MMEngine sees only modules run through ``__call__``, and the
        binarizers run through ``binarize()`` would read as never run.

    Raises:
        RuntimeError: If the rows of a component do not add up to the
            component's figures (a module shared between parents in a way
            the split cannot attribute); never for a tree of modules.
    """
    analyzer = build_flop_analyzer(model, inputs, count_elementwise)
    result = analyze_complexity(
        model,
        inputs,
        count_elementwise=count_elementwise,
        include_uncalled=include_uncalled,
        analyzer=analyzer)
    own_ops = _own_op_counts(analyzer.by_module_and_operator())
    binary_scopes = _binary_scopes(model, analyzer)
    components = _component_names(model)

    # Own parameters per canonical module name (shared parameters once,
    # under the name model.named_parameters() gives them).
    binary_ids = {
        id(m.weight)
        for m in model.modules() if _has_binary_weight(m)
    }
    own_params: Dict[str, Dict[str, int]] = {}
    for pname, param in model.named_parameters():
        owner = analyzer.canonical_module_name(_parent(pname))
        entry = own_params.setdefault(owner, dict(params_bin=0, params_fp=0))
        key = 'params_bin' if id(param) in binary_ids else 'params_fp'
        entry[key] += param.numel()

    layers = []
    seen = set()
    for name, module in model.named_modules():
        name = analyzer.canonical_module_name(name)
        if name in seen:
            continue
        seen.add(name)
        ops = own_ops.get(name, Counter())
        params = own_params.get(name, dict(params_bin=0, params_fp=0))
        if not any(ops.values()) and not any(params.values()):
            continue
        binary = bool(name) and _in_scope(name, binary_scopes)
        bops = sum(v for k, v in ops.items() if binary and k in _MAC_KEYS)
        flops = sum(ops.values()) - bops
        comp = _owner(name, components) if name else None
        comp = comp if comp is not None else 'others'
        if params['params_bin']:
            weight_bits = 1
        elif params['params_fp']:
            weight_bits = 32
        else:
            weight_bits = None
        comp_stats = result['components'].get(comp)
        layers.append(
            dict(
                name=name,
                type=type(module).__name__,
                component=comp,
                input_bits=_input_bits(module),
                weight_bits=weight_bits,
                params_bin=params['params_bin'],
                params_fp=params['params_fp'],
                bops=bops,
                flops=flops,
                ops=bops / 64 + flops,
                memory_bits=params['params_bin'] + 32 * params['params_fp'],
                in_total=bool(comp_stats and comp_stats['in_total'])))
    _check_sums(layers, result['components'])
    result['layers'] = layers
    return result


_HEADER = ('Layer', 'Type', 'Input (bit)', 'Weight (bit)', '1-bit params',
           '32-bit params', 'Memory (bit)', 'BOPs (bin MACs)',
           'FLOPs (FP MACs)')


def _cells(row: dict, exact: bool, code: bool = False) -> Tuple[str, ...]:
    fmt = str if exact else _fmt_count
    label = row['name'] or _ROOT_LABEL
    if code:
        label = f'`{label}`'
    if not row['in_total']:
        label += ' *'
    weight = '-' if row['weight_bits'] is None else str(row['weight_bits'])
    return (label, row['type'], str(row['input_bits']), weight,
            fmt(row['params_bin']), fmt(row['params_fp']),
            fmt(row['memory_bits']), fmt(row['bops']), fmt(row['flops']))


def _total_cells(result: dict, exact: bool) -> Tuple[str, ...]:
    fmt = str if exact else _fmt_count
    memory_bits = result['params_bin'] + 32 * result['params_fp']
    return ('Total', '', '', '', fmt(result['params_bin']),
            fmt(result['params_fp']), fmt(memory_bits), fmt(result['bops']),
            fmt(result['flops']))


def _footer(result: dict) -> str:
    counted = ('MACs plus norm/pool/interpolation ops'
               if result.get('count_elementwise') else
               'MACs of conv/linear/matmul only')
    text = ('Totals are those of the component table. Memory: 1 bit per '
            'binary weight + 32 bits per other parameter; BOPs are MACs '
            'with binary input and weight, FLOPs all other counted ops '
            f'({counted}).')
    if any(not r['in_total'] for r in result['layers']):
        text += (' * in a component the forward does not run, excluded '
                 'from the totals.')
    return text


def _require_layers(result: dict, caller: str) -> None:
    if 'layers' not in result:
        raise KeyError(f'{caller} needs the result of per_layer_complexity '
                       f'(or config_complexity(..., per_layer=True)); this '
                       f'result has no "layers"')


def per_layer_table(result: dict,
                    title: Optional[str] = None,
                    exact: bool = False) -> str:
    """Format :func:`per_layer_complexity`'s result as a plain-text table:
    one row per layer and a total row.

    Args:
        result (dict): Output of :func:`per_layer_complexity`.
        title (str, optional): A line printed above the table.
        exact (bool): Print integer counts instead of K/M/G-rounded ones.
            Defaults to False.

    Returns:
        str: The table and a line on its conventions.

    Raises:
        KeyError: If ``result`` has no ``layers``.
    """
    _require_layers(result, 'per_layer_table')
    rows = [_cells(r, exact) for r in result['layers']]
    total = _total_cells(result, exact)
    widths = [
        max(len(r[i]) for r in [_HEADER, total] + rows)
        for i in range(len(_HEADER))
    ]
    sep = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'

    def line(cells):
        out = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            out.append(f' {c:<{w}} ' if i < 2 else f' {c:>{w}} ')
        return '|' + '|'.join(out) + '|'

    out = [] if title is None else [title]
    out += [sep, line(_HEADER), sep] + [line(r) for r in rows]
    out += [sep, line(total), sep, _footer(result)]
    return '\n'.join(out)


def per_layer_markdown(result: dict, exact: bool = False) -> str:
    """Format :func:`per_layer_complexity`'s result as a Markdown table
    (:func:`mmbin.utils.markdown_table`) with a bold total row.

    Args:
        result (dict): Output of :func:`per_layer_complexity`.
        exact (bool): Integer counts instead of K/M/G-rounded ones.
            Defaults to False.

    Returns:
        str: The table and a line on its conventions.

    Raises:
        KeyError: If ``result`` has no ``layers``.
    """
    _require_layers(result, 'per_layer_markdown')
    rows = [list(_cells(r, exact, code=True)) for r in result['layers']]
    total = _total_cells(result, exact)
    rows.append([f'**{c}**' if c else '' for c in total])
    return markdown_table(_HEADER, rows) + '\n\n' + _footer(result)
