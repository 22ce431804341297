# Copyright (c) mmbin contributors. All rights reserved.
"""BiResNet: Bi-Real / ReActNet binary ResNet-18/34, output-compatible with
MMSegmentation's ``ResNetV1c``."""
from collections import OrderedDict
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule, Sequential
from mmseg.models.backbones.resnet import ResNet
from mmseg.registry import MODELS
from torch import Tensor

from mmbin.ops.bidense_conv import has_own_bypass
from mmbin.ops.registry import build_channel_act, get_layer_class

__all__ = ['BiBasicBlock', 'BiResLayer', 'BiResNet', 'conv_brings_norm_bypass']


def _own_norm_bypass(conv: nn.Module) -> Tuple[bool, bool]:
    """Whether the built convolution ``conv`` normalises its own output and
    adds its own bypass (as ``BiDenseConv`` / ``CFBConv2d`` do)."""
    return (isinstance(getattr(conv, 'bn', None), nn.Module),
            has_own_bypass(conv))


def conv_brings_norm_bypass(conv_cfg: Optional[dict]) -> Tuple[bool, bool]:
    """Whether convolutions built from ``conv_cfg`` bring their own norm and
    their own full-precision bypass.

    ``BiDenseConv`` / ``CFBConv2d`` compute ``BN(conv(x)) + CFB(P(x))``
    themselves (both ``True`` by default; ``norm_cfg=None`` and
    ``with_bypass=False`` switch them off); a plain binary or real
    convolution brings neither. Found by building a small probe layer.

    Args:
        conv_cfg (dict | None): Convolution config (``None``: ``nn.Conv2d``).

    Returns:
        tuple[bool, bool]: ``(own_norm, own_bypass)``.
    """
    # the probe must not move the random stream of the model's own layers
    with torch.random.fork_rng(devices=[]):
        probe = build_conv_layer(conv_cfg, 2, 2, 1, bias=False)
    return _own_norm_bypass(probe)


class BiBasicBlock(BaseModule):
    """Bi-Real / ReActNet basic block: a real-valued shortcut around each
    binary 3x3 convolution::

        h = act1(BN(BinConv3x3_s(x)) + shortcut(x))
        y = act2(BN(BinConv3x3(h)) + h)

    ``shortcut`` is the identity or ``downsample`` (``AvgPool2d(stride) ->
    1x1 conv -> BN``). Parameter names (``conv1``, ``bn1``, ``conv2``,
    ``bn2``, ``downsample.0``, ``downsample.1``) match MMSegmentation's and
    torchvision's ``BasicBlock`` so that full-precision checkpoints load.
    As in MMSegmentation's ``BasicBlock``, only ``conv1`` is dilated.

    **Convolutions that bring their own norm and bypass** (BiDense's unit,
    ``conv_cfg=dict(type='BiDenseConv')`` or ``CFBConv2d``: ``BN(BinConv(
    DAB(x))) + CFB(P(x))``, ``P`` the average pooling of a strided conv,
    ``CFB`` the parameter-free channel-adaptive bypass). The block adds
    neither a norm nor a shortcut of its own around them, so every binary
    conv is followed by exactly one norm and one bypass, as in the BiDense
    reference, where each ``BiDenseConv2d`` is a complete unit and blocks
    only chain units and activations::

        h = act1(BN(BinConv3x3_s(DAB(x))) + CFB(P_s(x)))
        y = act2(BN(BinConv3x3(DAB(h))) + h)

    No ``downsample`` is built for them (the strided conv's bypass pools
    and tiles ``x`` itself: ``AvgPool2d(s)`` then ``C -> 2C`` by tiling),
    and the norms are the convs' own (``conv1.bn``, ``conv2.bn``). Before
    this rule, the block added its own ``bn1`` and shortcut around the
    complete unit, ``act(BN(BN(BinConv(x)) + CFB(x)) + x)``: two norms and
    two bypasses per conv (issue 17). A conv with its own norm but
    ``with_bypass=False`` gets the block's shortcut and no second norm; a
    conv that adds its bypass without a norm of its own is refused (the
    block's norm would follow the sum and rescale the bypass).

    Args:
        inplanes (int): Input channels.
        planes (int): Output channels.
        stride (int): Stride of ``conv1``. Defaults to 1.
        dilation (int): Dilation (and padding) of ``conv1``. Defaults to 1.
        downsample (nn.Module, optional): Shortcut when the shape changes;
            must be None when the convs add their own bypass.
        conv_cfg (dict, optional): Config of the two 3x3 convolutions.
            Defaults to ``dict(type='ReActConv')``.
        norm_cfg (dict): Norm config of the block's norms (unused when the
            convs bring their own). Defaults to ``dict(type='BN')``.
        act_cfg (dict, optional): Activation after each residual sum;
            layers taking ``num_parameters`` get ``planes``. ``None`` means
            no activation (Bi-Real Net). Defaults to
            ``dict(type='RPReLU')``.
        with_cp (bool): Use gradient checkpointing. Defaults to False.
        init_cfg (dict, optional): Initialisation config.

    References:
        - Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit
          CNNs With Improved Representational Capability and Advanced
          Training Algorithm", ECCV 2018.
          https://arxiv.org/abs/1808.00278
          Code: https://github.com/liuzechun/Bi-Real-net
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network
          with Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
          Code: https://github.com/liuzechun/ReActNet
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    expansion = 1

    def __init__(self,
                 inplanes: int,
                 planes: int,
                 stride: int = 1,
                 dilation: int = 1,
                 downsample: Optional[nn.Module] = None,
                 conv_cfg: Optional[dict] = dict(type='ReActConv'),
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: Optional[dict] = dict(type='RPReLU'),
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.conv1 = build_conv_layer(
            conv_cfg,
            inplanes,
            planes,
            3,
            stride=stride,
            padding=dilation,
            dilation=dilation,
            bias=False)
        own_norm, own_bypass = _own_norm_bypass(self.conv1)
        if own_bypass and not own_norm:
            raise ValueError(
                f'BiBasicBlock: conv_cfg={conv_cfg!r} adds its own bypass '
                'but has no norm, so the block\'s norm would follow the '
                'bypass sum; give the conv its norm (BiDense: BN(BinConv) + '
                'CFB) or with_bypass=False')
        if own_bypass and downsample is not None:
            raise ValueError(
                f'BiBasicBlock: conv_cfg={conv_cfg!r} adds its own bypass; '
                'a downsample shortcut would add a second one')
        # a conv with its own norm gets no second one; a conv with its own
        # bypass gets no block shortcut
        self.with_norm = not own_norm
        self.with_shortcut = not own_bypass
        if self.with_norm:
            self.norm1_name, norm1 = build_norm_layer(
                norm_cfg, planes, postfix=1)
            self.add_module(self.norm1_name, norm1)
        else:
            self.norm1_name = None
        self.act1 = build_channel_act(act_cfg, planes)
        self.conv2 = build_conv_layer(
            conv_cfg, planes, planes, 3, padding=1, bias=False)
        if self.with_norm:
            self.norm2_name, norm2 = build_norm_layer(
                norm_cfg, planes, postfix=2)
            self.add_module(self.norm2_name, norm2)
        else:
            self.norm2_name = None
        self.act2 = build_channel_act(act_cfg, planes)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    @property
    def norm1(self) -> Optional[nn.Module]:
        """nn.Module | None: The block's norm after ``conv1`` (None when the
        conv normalises its own output)."""
        return getattr(self, self.norm1_name) if self.norm1_name else None

    @property
    def norm2(self) -> Optional[nn.Module]:
        """nn.Module | None: The block's norm after ``conv2`` (None when the
        conv normalises its own output)."""
        return getattr(self, self.norm2_name) if self.norm2_name else None

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""

        def _unit(conv, norm, act, inp, shortcut):
            out = conv(inp)
            if norm is not None:
                out = norm(out)
            if shortcut is not None:
                out = out + shortcut
            return act(out)

        def _inner_forward(x):
            identity = None
            if self.with_shortcut:
                identity = x if self.downsample is None else \
                    self.downsample(x)
            out = _unit(self.conv1, self.norm1, self.act1, x, identity)
            return _unit(self.conv2, self.norm2, self.act2, out,
                         out if self.with_shortcut else None)

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(_inner_forward, x, use_reentrant=False)
        return _inner_forward(x)


class BiResLayer(Sequential):
    """A stage of :class:`BiBasicBlock`.

    The shortcut of the first block, when the shape changes, is
    ``AvgPool2d(stride) -> 1x1 conv (stride 1) -> BN`` (no pooling when the
    stage is dilated instead of strided); none is built when the blocks'
    convolutions add their own bypass (``BiDenseConv``, see
    :class:`BiBasicBlock`). Its children are named ``pool``,
    ``0`` and ``1`` so that the conv and BN keep the names (``downsample.0``,
    ``downsample.1``) of a ``ResNetV1b/V1c`` checkpoint. Dilation follows
    MMSegmentation's ``ResLayer`` (``contract_dilation``, ``multi_grid``).

    Args:
        block (type): Block class.
        inplanes (int): Input channels.
        planes (int): Output channels.
        num_blocks (int): Number of blocks.
        stride (int): Stride of the first block. Defaults to 1.
        dilation (int): Dilation of the stage. Defaults to 1.
        conv_cfg (dict, optional): Config of the blocks' 3x3 convolutions.
        downsample_conv_cfg (dict, optional): Config of the 1x1 shortcut
            convolution (``None``: full precision).
        norm_cfg (dict): Norm config.
        multi_grid (Sequence[int], optional): Per-block dilations.
        contract_dilation (bool): Halve the first block's dilation.
        **kwargs: Passed to every block (``act_cfg``, ``with_cp``, ...).
    """

    def __init__(self,
                 block: type,
                 inplanes: int,
                 planes: int,
                 num_blocks: int,
                 stride: int = 1,
                 dilation: int = 1,
                 conv_cfg: Optional[dict] = None,
                 downsample_conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 multi_grid: Optional[Sequence[int]] = None,
                 contract_dilation: bool = False,
                 **kwargs) -> None:
        downsample = None
        if (stride != 1 or inplanes != planes * block.expansion) and \
                not conv_brings_norm_bypass(conv_cfg)[1]:
            layers = OrderedDict()
            if stride != 1:
                layers['pool'] = nn.AvgPool2d(
                    kernel_size=stride,
                    stride=stride,
                    ceil_mode=True,
                    count_include_pad=False)
            layers['0'] = build_conv_layer(
                downsample_conv_cfg,
                inplanes,
                planes * block.expansion,
                kernel_size=1,
                stride=1,
                bias=False)
            layers['1'] = build_norm_layer(norm_cfg,
                                           planes * block.expansion)[1]
            downsample = nn.Sequential(layers)

        if multi_grid is None:
            if dilation > 1 and contract_dilation:
                first_dilation = dilation // 2
            else:
                first_dilation = dilation
        else:
            if len(multi_grid) != num_blocks:
                raise ValueError(f'multi_grid={tuple(multi_grid)} must have '
                                 f'one dilation per block ({num_blocks})')
            first_dilation = multi_grid[0]
        blocks = [
            block(
                inplanes=inplanes,
                planes=planes,
                stride=stride,
                dilation=first_dilation,
                downsample=downsample,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                **kwargs)
        ]
        inplanes = planes * block.expansion
        for i in range(1, num_blocks):
            blocks.append(
                block(
                    inplanes=inplanes,
                    planes=planes,
                    stride=1,
                    dilation=dilation if multi_grid is None else multi_grid[i],
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    **kwargs))
        super().__init__(*blocks)


@MODELS.register_module()
class BiResNet(ResNet):
    """Binary ResNet-18/34 in the Bi-Real Net / ReActNet design, a drop-in
    ``model.backbone`` for configs written for ``ResNetV1c``.

    It subclasses MMSegmentation's :class:`~mmseg.models.backbones.ResNet`
    and keeps its interface (``depth``, ``strides``, ``dilations``,
    ``out_indices``, ``contract_dilation``, ``multi_grid``, ``norm_eval``,
    ``frozen_stages``, ``init_cfg``, ``pretrained``, ...), its stem and its
    outputs (channels ``64 * 2**i``, same strides), with
    :class:`BiBasicBlock` stages: every binary 3x3 conv has its own
    real-valued shortcut, BN and activation (RPReLU by default). Three
    groups of layers are configured separately:

    - ``stem_conv_cfg``: the stem convolutions (full precision by default);
    - ``downsample_conv_cfg``: the 1x1 shortcut convolutions after
      ``AvgPool2d`` (full precision by default);
    - ``conv_cfg``: the 3x3 convolutions of the blocks (``ReActConv`` by
      default; ``dict(type='BiRealConv')`` with ``act_cfg=None`` gives
      Bi-Real Net; ``dict(type='BiDenseConv')`` gives BiDense units, each
      with its own BN and channel-adaptive bypass and no block norm,
      shortcut or ``downsample`` around them, see :class:`BiBasicBlock`).

    Parameter names follow ``ResNetV1c`` (``deep_stem=True``) or
    ``ResNetV1b``/torchvision (``deep_stem=False``), so
    ``init_cfg=dict(type='Pretrained', checkpoint=...)`` with a
    full-precision ResNet checkpoint initialises every layer whose name and
    shape match (the latent weights of the binary convs, BNs, stem and
    shortcuts); binarizer and RPReLU parameters keep their initial values
    and are reported as missing keys.

    Args:
        depth (int): 18 or 34.
        conv_cfg (dict, optional): Config of the blocks' 3x3 convolutions.
            Defaults to ``dict(type='ReActConv')``.
        stem_conv_cfg (dict, optional): Config of the stem convolutions.
            Defaults to None (``nn.Conv2d``).
        downsample_conv_cfg (dict, optional): Config of the shortcut 1x1
            convolutions. Defaults to None (``nn.Conv2d``).
        act_cfg (dict, optional): Activation after each residual sum in the
            blocks. Defaults to ``dict(type='RPReLU')``.
        stem_act_cfg (dict, optional): Activation at the end of the stem
            (before the max-pool). Defaults to None: binary networks drop
            this ReLU, which would make the first binarized input
            non-negative. ``dict(type='ReLU')`` restores ``ResNetV1c``.
        deep_stem (bool): Three 3x3 stem convs (``ResNetV1c``, default) or
            one 7x7 (``ResNetV1b``, the ImageNet Bi-Real/ReActNet-18 stem).
        **kwargs: Other arguments of MMSegmentation's ``ResNet``
            (``in_channels``, ``stem_channels``, ``base_channels``,
            ``num_stages``, ``strides``, ``dilations``, ``out_indices``,
            ``style``, ``frozen_stages``, ``norm_cfg``, ``norm_eval``,
            ``multi_grid``, ``contract_dilation``, ``with_cp``,
            ``pretrained``, ``init_cfg``). ``avg_down`` is accepted and
            ignored (the shortcuts always average-pool); ``dcn`` and
            ``plugins`` are not supported.

    Example:
        >>> import torch
        >>> from mmbin.models import BiResNet
        >>> self = BiResNet(depth=18, dilations=(1, 1, 2, 4),
        ...                 strides=(1, 2, 1, 1), contract_dilation=True)
        >>> outs = self(torch.rand(2, 3, 64, 64))
        >>> [tuple(o.shape) for o in outs]
        [(2, 64, 16, 16), (2, 128, 8, 8), (2, 256, 8, 8), (2, 512, 8, 8)]

    References:
        - He et al., "Deep Residual Learning for Image Recognition",
          CVPR 2016. https://arxiv.org/abs/1512.03385
        - Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit
          CNNs With Improved Representational Capability and Advanced
          Training Algorithm", ECCV 2018.
          https://arxiv.org/abs/1808.00278
          Code: https://github.com/liuzechun/Bi-Real-net
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network
          with Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
          Code: https://github.com/liuzechun/ReActNet
    """

    arch_settings = {
        18: (BiBasicBlock, (2, 2, 2, 2)),
        34: (BiBasicBlock, (3, 4, 6, 3)),
    }

    def __init__(self,
                 depth: int,
                 conv_cfg: Optional[dict] = dict(type='ReActConv'),
                 stem_conv_cfg: Optional[dict] = None,
                 downsample_conv_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='RPReLU'),
                 stem_act_cfg: Optional[dict] = None,
                 deep_stem: bool = True,
                 **kwargs) -> None:
        if depth not in self.arch_settings:
            raise KeyError(f'BiResNet: invalid depth {depth!r}; supported '
                           f'depths are {sorted(self.arch_settings)}')
        for key in ('dcn', 'plugins'):
            if kwargs.get(key) is not None:
                raise ValueError(f'BiResNet does not support {key}='
                                 f'{kwargs[key]!r}')
        if kwargs.get('stage_with_dcn') and any(kwargs['stage_with_dcn']):
            raise ValueError('BiResNet does not support stage_with_dcn')
        kwargs.pop('avg_down', None)
        for key, cfg in (('conv_cfg', conv_cfg),
                         ('stem_conv_cfg', stem_conv_cfg),
                         ('downsample_conv_cfg', downsample_conv_cfg)):
            if cfg is not None:
                if not isinstance(cfg, dict) or 'type' not in cfg:
                    raise TypeError(f'BiResNet: {key} must be None or a '
                                    f'dict with a "type" key, got {cfg!r}')
                get_layer_class(cfg['type'], f'BiResNet {key}')
        # Read by _make_stem_layer/make_res_layer, which ResNet.__init__
        # calls, so they must exist before it runs.
        self._stem_conv_cfg = stem_conv_cfg
        self._stem_act_cfg = stem_act_cfg
        self._downsample_conv_cfg = downsample_conv_cfg
        self._act_cfg = act_cfg
        default_init = (kwargs.get('init_cfg') is None
                        and kwargs.get('pretrained') is None)
        super().__init__(
            depth=depth,
            conv_cfg=conv_cfg,
            deep_stem=deep_stem,
            avg_down=False,
            **kwargs)
        if default_init:
            # ResNet's default Kaiming init matches layers by class name and
            # *direct* base-class names only, which misses binary convs
            # (e.g. ReActConv -> _PresetBinaryConv2d -> BinaryConv2d ->
            # Conv2d): name every conv class in use explicitly.
            conv_types = sorted({
                type(m).__name__
                for m in self.modules() if isinstance(m, nn.Conv2d)
            })
            self.init_cfg = [
                dict(type='Kaiming', layer=conv_types),
                dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
            ]
        self.stem_conv_cfg = stem_conv_cfg
        self.stem_act_cfg = stem_act_cfg
        self.downsample_conv_cfg = downsample_conv_cfg
        self.act_cfg = act_cfg

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        """Build ResNet's stem with ``stem_conv_cfg`` and replace its last
        activation by ``stem_act_cfg`` (module names unchanged)."""
        conv_cfg = self.conv_cfg
        self.conv_cfg = self._stem_conv_cfg
        try:
            super()._make_stem_layer(in_channels, stem_channels)
        finally:
            self.conv_cfg = conv_cfg
        last_act = build_channel_act(self._stem_act_cfg, stem_channels)
        if self.deep_stem:
            self.stem[-1] = last_act
        else:
            self.relu = last_act

    def train(self, mode: bool = True) -> 'BiResNet':
        """Set training mode, keeping frozen stages and (``norm_eval``) BN
        layers in eval mode. Unlike MMSegmentation's ``ResNet.train``, it
        returns ``self`` as ``nn.Module.train`` does, so ``.eval()`` can be
        chained."""
        super().train(mode)
        return self

    def make_res_layer(self, **kwargs) -> BiResLayer:
        """Build a stage of :class:`BiBasicBlock`."""
        for key in ('style', 'avg_down', 'dcn', 'plugins'):
            kwargs.pop(key, None)
        return BiResLayer(
            downsample_conv_cfg=self._downsample_conv_cfg,
            act_cfg=self._act_cfg,
            **kwargs)
