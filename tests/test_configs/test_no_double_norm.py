# Copyright (c) mmbin contributors. All rights reserved.
"""No double normalisation and no doubled bypass in any model of configs/.

Every config's model is built on CPU and its real forward is traced on a
tiny input (1x3x32x32) with a ``TorchFunctionMode`` that sees every torch
operation and follows each tensor from the convolution (or linear layer)
that produced it to the next one. Along that path it counts

- **norms** (``batch_norm``, ``layer_norm``, ``group_norm``,
  ``instance_norm``): a second one on the same path means a norm layer
  directly follows a layer that already normalised its output
  (``BN(BN(BinConv(x)) + CFB(x))``: a ``BiDenseConv`` with its BN inside a
  ``ConvModule`` or block with its own norm, a BN on the output of a
  block that ends in a norm, ...); activations, dropout, resampling and
  additions in between do not hide it;
- **bypasses**: additions of a tensor that was derived from the
  convolution's own input by parameter-free operations (identity,
  pooling, channel tiling or means, interpolation) or by a 1x1 projection
  (a ResNet ``downsample``); a second one means the same input was added
  twice around one convolution (``... + CFB(x)) + x``);
- and every binary convolution (``BinaryConv2d`` / ``BinaryConvTranspose2d``
  and their subclasses) must meet exactly one norm.

This is the check that missed issue 17's bug (the Bi-MTDP ``binary_bidense``
rows computed ``act(BN(BN(BinConv(x)) + CFB(x)) + x)`` in every backbone
block); ``test_tracer_flags_the_issue_17_block`` rebuilds that block.

Configs whose models differ only in training-only keys (losses, task
balancing, distillation, initialisation) or in sizes (widths, depths,
class counts: a full-size config and its CPU twin) are traced once, as
their smallest member, and share the result; each config's failure message
names the config that was traced.
"""
import copy
import functools
import glob
import json
import os.path as osp
import weakref
from typing import Dict, List, Optional

import pytest
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from torch import Tensor
from torch.nn.modules.module import (register_module_forward_hook,
                                     register_module_forward_pre_hook)
from torch.overrides import TorchFunctionMode

from mmbin.ops import (BiDenseConv, BinaryConv2d, BinaryConvTranspose2d,
                       channel_adaptive_bypass)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))
# Configs whose model cannot be built and run on CPU from the config alone,
# with the reason. Every other config is traced; none is skipped silently.
NOT_TRACEABLE: Dict[str, str] = {}
# keys of a model config that do not change the forward computation
TRAINING_ONLY_KEYS = frozenset({
    'loss_decode', 'loss', 'task_balancer', 'distill_loss', 'train_cfg',
    'test_cfg', 'init_cfg', 'pretrained', 'data_preprocessor'
})
# keys that only set sizes (see structure_key)
SIZE_KEYS = frozenset({'arch', 'in_channels', 'channels', 'num_classes'})
INPUT_SHAPE = (1, 3, 32, 32)

CONV_OPS = frozenset({
    'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
    'conv_transpose3d', 'linear'
})
NORM_OPS = frozenset(
    {'batch_norm', 'layer_norm', 'group_norm', 'instance_norm', 'rms_norm'})
ADD_OPS = frozenset({'add', 'add_', '__add__', '__iadd__', '__radd__'})
# products of two activations and whole attention layers (with their
# projections): new values, not a continuation of any input
MIX_OPS = frozenset({
    'matmul', '__matmul__', 'bmm', 'mm', 'einsum', 'baddbmm',
    'scaled_dot_product_attention', 'multi_head_attention_forward',
    '_native_multi_head_attention'
})
BINARY_CONVS = (BinaryConv2d, BinaryConvTranspose2d)


def _tensors(obj, out: list) -> list:
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tensors(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors(o, out)
    return out


class _Tag:
    """What the tracer knows of one tensor.

    ``roots``: serial numbers of the tensors it equals up to
    parameter-free or 1x1 operations; ``conv``: index of the convolution
    whose output path it is on (-1: none); ``conv_roots``: the ``roots``
    of that convolution's input; ``norms`` / ``bypasses``: counted on the
    path since then.
    """
    __slots__ = ('roots', 'conv', 'conv_roots', 'norms', 'bypasses')

    def __init__(self,
                 roots=frozenset(),
                 conv=-1,
                 conv_roots=frozenset(),
                 norms=0,
                 bypasses=0):
        self.roots = roots
        self.conv = conv
        self.conv_roots = conv_roots
        self.norms = norms
        self.bypasses = bypasses

    def copy(self) -> '_Tag':
        return _Tag(self.roots, self.conv, self.conv_roots, self.norms,
                    self.bypasses)


class NormBypassTracer(TorchFunctionMode):
    """Follows every tensor of a forward pass from convolution to
    convolution and records doubled norms and bypasses (module docstring).

    Args:
        names (dict): ``id(module) -> qualified name`` for the messages.
    """

    def __init__(self, names: Dict[int, str]) -> None:
        super().__init__()
        self.names = names
        self.tags: Dict[int, tuple] = {}  # id -> (weakref, _Tag)
        self.stack: List[nn.Module] = []
        self.ran = set()  # ids of the modules whose forward ran
        self.convs: List[dict] = []  # index -> dict(name, binary, norms)
        self.problems: List[str] = []
        self.serial = 0

    # -- bookkeeping -------------------------------------------------
    def tag(self, t: Tensor) -> Optional[_Tag]:
        entry = self.tags.get(id(t))
        return None if entry is None else entry[1]

    def set_tag(self, t: Tensor, tag: _Tag) -> None:
        # roots hold serial numbers, not ids: ids of dead tensors are reused
        self.serial += 1
        tag.roots = tag.roots | {self.serial}
        key = id(t)
        tags = self.tags
        ref = weakref.ref(t, lambda _, k=key: tags.pop(k, None))
        tags[key] = (ref, tag)

    def where(self) -> str:
        if not self.stack:
            return '<model>'
        m = self.stack[-1]
        return self.names.get(id(m), type(m).__name__)

    def conv_name(self, tag: _Tag) -> str:
        return self.convs[tag.conv]['name'] if tag.conv >= 0 else '<input>'

    # -- tracing -----------------------------------------------------
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if isinstance(out, Tensor):
            outs = [out]
        elif isinstance(out, (list, tuple)):
            outs = _tensors(out, [])
            if not outs:
                return out
        else:  # sizes, flags, numbers
            return out
        ins = _tensors(args, [])
        if kwargs:
            _tensors(kwargs, ins)
        inputs = [(t, self.tag(t)) for t in ins]
        tag = self.rule(getattr(func, '__name__', ''), args, inputs, outs[0])
        if tag is not None:
            for o in outs:
                self.set_tag(o, tag.copy())
        return out

    def rule(self, name, args, inputs, out) -> Optional[_Tag]:
        tagged = [(t, g) for t, g in inputs if g is not None]
        if name in CONV_OPS and args and isinstance(args[0], Tensor):
            g = self.tag(args[0])
            roots = g.roots if g is not None else frozenset()
            weight = args[1] if len(args) > 1 else None
            pointwise = isinstance(
                weight, Tensor) and (weight.dim() == 2
                                     or all(s == 1 for s in weight.shape[2:]))
            module = self.stack[-1] if self.stack else None
            self.convs.append(
                dict(
                    name=self.where(),
                    binary=isinstance(module, BINARY_CONVS),
                    norms=0))
            # a 1x1 projection still counts as a shortcut of its input
            return _Tag(
                roots=roots if pointwise else frozenset(),
                conv=len(self.convs) - 1,
                conv_roots=roots)
        if not tagged:
            return None
        if name in NORM_OPS:
            g = self.tag(args[0]) if args else None
            if g is None:
                return None
            tag = g.copy()
            tag.norms += 1
            if tag.conv >= 0:
                stats = self.convs[tag.conv]
                stats['norms'] = max(stats['norms'], tag.norms)
                stats.setdefault('norm_at', self.where())
            if tag.norms >= 2:
                self.problems.append(
                    f'double norm: {self.where()} normalises the output of '
                    f'{self.conv_name(tag)} that is already normalised (by '
                    f'{self.convs[tag.conv].get("norm_at", "?")})')
            return tag
        if name in ADD_OPS and len(tagged) == 2 and \
                tagged[0][0].shape == tagged[1][0].shape == out.shape:
            (_, a), (_, b) = tagged
            # the main operand comes from the latest convolution (on a tie,
            # e.g. a straight-through estimator, the less normalised one)
            main, other = sorted((a, b), key=lambda g: (-g.conv, g.norms))
            tag = main.copy()
            tag.roots = frozenset()  # a sum is a new value
            # a bypass: from the conv's input, not from its own output
            if main.conv >= 0 and other.conv != main.conv and \
                    other.roots & main.conv_roots:
                tag.bypasses += 1
                if tag.bypasses >= 2:
                    self.problems.append(
                        f'double bypass: {self.where()} adds the input of '
                        f'{self.conv_name(main)} to its output a second time')
            return tag
        if name in MIX_OPS:
            roots = frozenset().union(*(g.roots for _, g in tagged))
            self.convs.append(dict(name=self.where(), binary=False, norms=0))
            return _Tag(conv=len(self.convs) - 1, conv_roots=roots)
        # anything else (activations, binarizers, pooling, resampling,
        # concatenation, products with parameters or scales) continues the
        # path of its largest input
        main = max(tagged, key=lambda tg: (tg[0].numel(), tg[1].conv))[1]
        tag = main.copy()
        tag.roots = frozenset().union(*(g.roots for _, g in tagged))
        return tag

    def binary_conv_problems(self) -> List[str]:
        """Binary convolutions not followed by exactly one norm."""
        return sorted({
            f'binary conv {c["name"]} is followed by {c["norms"]} norms, '
            f'not exactly one'
            for c in self.convs if c['binary'] and c['norms'] != 1
        })


def unexercised(model: nn.Module, tracer: NormBypassTracer) -> List[str]:
    """Convolution, linear and norm layers of ``model`` that the traced
    forward never called: the check says nothing about them. (Layers inside
    ``nn.MultiheadAttention`` are used through their parameters.)"""
    layers = (nn.modules.conv._ConvNd, nn.Linear,
              nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)
    skip = set()
    for m in model.modules():
        if isinstance(m, nn.MultiheadAttention):
            skip.update(id(c) for c in m.modules())
    return sorted(f'not exercised by the traced forward: {name}'
                  for name, m in model.named_modules()
                  if isinstance(m, layers) and id(m) not in tracer.ran
                  and id(m) not in skip)


def trace_model(model: nn.Module, run) -> NormBypassTracer:
    """Run ``run()`` (a forward of ``model``) under the tracer.

    Args:
        model (nn.Module): The model, for the module names.
        run (callable): ``run(tag_input)``; it must call ``tag_input(x)``
            on the input tensor before the forward.

    Returns:
        NormBypassTracer: With ``problems`` and ``convs`` filled in.
    """
    names = {id(m): n or '<model>' for n, m in model.named_modules()}
    tracer = NormBypassTracer(names)

    def enter(module, args):
        tracer.stack.append(module)
        tracer.ran.add(id(module))

    def leave(module, args, output):
        tracer.stack.pop()

    handles = [
        register_module_forward_pre_hook(enter),
        register_module_forward_hook(leave)
    ]
    try:
        with tracer, torch.no_grad():
            run(lambda x: tracer.set_tag(x, _Tag()))
    finally:
        for h in handles:
            h.remove()
    return tracer


def problems_of(model: nn.Module, x: Tensor) -> List[str]:
    """Doubled norms and bypasses, and binary convs without exactly one
    norm, in ``model(x)``."""

    def run(tag_input):
        tag_input(x)
        model(x)

    model.eval()  # (mmseg's ResNet.train returns None: no chaining)
    tracer = trace_model(model, run)
    return sorted(set(tracer.problems)) + tracer.binary_conv_problems()


# ---------------------------------------------------------------------------
# the tracer can fail: small modules with and without the faults


class _Issue17Block(nn.Module):
    """The Bi-MTDP binary_bidense backbone unit before the fix: a complete
    BiDense unit (own BN and bypass) inside the block's BN and shortcut."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = BiDenseConv(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.act1 = nn.PReLU(c)

    def forward(self, x):
        return self.act1(self.bn1(self.conv1(x)) + x)


class _ReNormedOnly(nn.Module):
    """``BN(BinConv(x) + CFB(x)) + x``: one norm, two bypasses."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = BiDenseConv(c, c, 3, padding=1, norm_cfg=None)
        self.bn1 = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn1(self.conv1(x)) + x


class _Unit(nn.Module):
    """``act(BN(BinConv(x)) + CFB(P(x)))`` written out by hand."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv = BinaryConv2d(cin, cout, 3, stride=stride, padding=1)
        self.bn = nn.BatchNorm2d(cout)
        self.pool = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()
        self.act = nn.PReLU(cout)

    def forward(self, x):
        bypass = channel_adaptive_bypass(self.pool(x), self.bn.num_features)
        return self.act(self.bn(self.conv(x)) + bypass)


def test_tracer_flags_the_issue_17_block():
    found = problems_of(_Issue17Block(8), torch.randn(1, 8, 8, 8))
    assert any(
        p.startswith('double norm: bn1') and 'conv1' in p
        for p in found), found
    assert any(p.startswith('double bypass:') and 'conv1' in p
               for p in found), found
    # the binary conv meets two norms
    assert any('binary conv conv1 is followed by 2 norms' in p
               for p in found), found


def test_tracer_flags_a_norm_after_the_bypass_sum_and_a_second_bypass():
    found = problems_of(_ReNormedOnly(8), torch.randn(1, 8, 8, 8))
    assert not any(p.startswith('double norm') for p in found), found
    assert any(p.startswith('double bypass') for p in found), found


def test_tracer_flags_convmodule_norm_around_a_unit_with_its_own():
    # the ConvModule trap of docs/bidense.md, with an activation between
    module = ConvModule(
        8,
        8,
        3,
        padding=1,
        conv_cfg=dict(type='BiDenseConv'),
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='PReLU'))
    found = problems_of(module, torch.randn(1, 8, 8, 8))
    assert any(p.startswith('double norm: bn') and 'conv' in p
               for p in found), found
    seq = nn.Sequential(
        ConvModule(
            8,
            8,
            3,
            padding=1,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='ReLU')), nn.BatchNorm2d(8))
    found = problems_of(seq, torch.randn(1, 8, 8, 8))
    assert found == [
        'double norm: 1 normalises the output of 0.conv that '
        'is already normalised (by 0.bn)'
    ], found


def test_tracer_flags_a_binary_conv_without_norm():
    found = problems_of(
        BinaryConv2d(8, 8, 3, padding=1), torch.randn(1, 8, 8, 8))
    assert found == [
        'binary conv <model> is followed by 0 norms, not '
        'exactly one'
    ], found


def test_tracer_accepts_clean_units_blocks_and_transformers():
    from mmseg.models.backbones import ResNetV1c
    from mmseg.models.backbones.vit import TransformerEncoderLayer
    x = torch.randn(1, 8, 8, 8)
    # BiDense units, strided and widening, chained with activations
    clean = nn.Sequential(
        BiDenseConv(8, 8, 3, padding=1), nn.PReLU(8),
        BiDenseConv(8, 16, 3, stride=2, padding=1), nn.PReLU(16),
        BiDenseConv(16, 8, 1))
    assert problems_of(clean, x) == []
    assert problems_of(
        nn.Sequential(_Unit(8, 16, 2), _Unit(16, 16), _Unit(16, 8)), x) == []
    # a 1x1 unit without bypass, then a unit whose binarizer adds on the
    # same path (straight-through estimator): no bypass counted
    assert problems_of(
        nn.Sequential(
            BiDenseConv(8, 8, 1, with_bypass=False), nn.PReLU(8),
            BiDenseConv(8, 8, 3, padding=1)), x) == []
    # a full-precision ResNet (shortcuts with 1x1 projections) and a
    # pre-norm transformer layer (residual stream between LayerNorms)
    assert problems_of(ResNetV1c(depth=18), torch.randn(1, 3, 32, 32)) == []
    layer = TransformerEncoderLayer(
        embed_dims=16, num_heads=2, feedforward_channels=32)
    assert problems_of(layer, torch.randn(1, 5, 16)) == []
    # a LayerNorm that follows another one through an activation is not
    found = problems_of(
        nn.Sequential(
            nn.Linear(16, 16), nn.LayerNorm(16), nn.GELU(), nn.LayerNorm(16)),
        torch.randn(1, 5, 16))
    assert found == [
        'double norm: 3 normalises the output of 0 that is '
        'already normalised (by 1)'
    ], found


# ---------------------------------------------------------------------------
# every config


def structure_key(model_cfg) -> str:
    """The model config without its training-only keys and with its sizes
    (``SIZE_KEYS``) blanked: configs with the same key build the same
    layers in the same order, up to widths, depths and class counts, so
    one trace decides for all of them."""

    def strip(obj):
        if isinstance(obj, dict):
            return {
                k: '<size>' if k in SIZE_KEYS else strip(v)
                for k, v in obj.items() if k not in TRAINING_ONLY_KEYS
            }
        if isinstance(obj, (list, tuple)):
            return [strip(v) for v in obj]
        return obj

    return json.dumps(strip(model_cfg.to_dict()), sort_keys=True, default=repr)


def run_model(model: nn.Module, x: Tensor) -> None:
    """Every layer of a segmentor that has parameters: the inference
    forward, the training-time neck branches (``with_losses``: the IB
    neck's log-variance branch) and the auxiliary heads."""
    if hasattr(model, 'forward_features'):
        model.forward_features(x, with_losses=True)
    else:
        model._forward(x)
    if getattr(model, 'with_auxiliary_head', False):
        model.auxiliary_head(model.extract_feat(x))


@pytest.fixture(scope='module')
def fast_config_parsing():
    """Parse many configs quickly: mmengine re-reads every base file (in a
    temporary copy) for every config and every metafile of mmseg for each
    ``mmseg::`` config name; cache both for this module's configs."""
    import mmengine.config.utils as cfg_utils
    from mmengine.config import Config
    file2dict = Config.__dict__['_file2dict']
    load = cfg_utils.load
    cache = {}

    def cached_file2dict(filename, *args, **kwargs):
        key = (osp.abspath(filename), args, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = file2dict.__func__(filename, *args, **kwargs)
        return copy.deepcopy(cache[key])

    Config._file2dict = staticmethod(cached_file2dict)
    cfg_utils.load = functools.lru_cache(maxsize=None)(load)
    try:
        yield
    finally:
        Config._file2dict = file2dict
        cfg_utils.load = load


@pytest.fixture(scope='module')
def traced(fast_config_parsing):
    """``config -> (traced config, problems)``: one trace per group of
    configs with the same :func:`structure_key`, of its smallest member
    (a CPU twin where there is one)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmbin  # noqa: F401
    init_default_scope('mmseg')
    groups: Dict[str, List[tuple]] = {}
    for path in CONFIGS:
        if path not in NOT_TRACEABLE:
            model_cfg = Config.fromfile(osp.join(ROOT, path)).model
            groups.setdefault(structure_key(model_cfg), []).append(
                (path, model_cfg))
    results = {}
    for members in groups.values():
        # the CPU twins are the small members
        path, model_cfg = min(
            members, key=lambda m: ('synthetic' not in m[0], m[0]))
        torch.manual_seed(0)
        model = MODELS.build(model_cfg).eval()
        x = torch.randn(*INPUT_SHAPE)

        def run(tag_input, model=model, x=x):
            tag_input(x)
            run_model(model, x)

        tracer = trace_model(model, run)
        problems = sorted(set(tracer.problems)) + \
            tracer.binary_conv_problems() + unexercised(model, tracer)
        if not tracer.convs:
            problems.append('no convolution traced')
        for member, _ in members:
            results[member] = (path, problems)
    return results


def test_not_traceable_list_is_current():
    assert set(NOT_TRACEABLE) <= set(CONFIGS), \
        set(NOT_TRACEABLE) - set(CONFIGS)
    assert len(CONFIGS) > 100  # the glob found the configs


@pytest.mark.parametrize('config', CONFIGS)
def test_config_has_no_double_norm_or_bypass(config, traced):
    if config in NOT_TRACEABLE:
        pytest.skip(NOT_TRACEABLE[config])
    traced_as, problems = traced[config]
    assert problems == [], (f'{config} (traced as {traced_as}):\n  ' +
                            '\n  '.join(problems))
