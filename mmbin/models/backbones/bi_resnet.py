# Copyright (c) mmbin contributors. All rights reserved.
"""BiResNet: Bi-Real / ReActNet binary ResNet-18/34, output-compatible with
MMSegmentation's ``ResNetV1c``."""
from collections import OrderedDict
from typing import Optional, Sequence

import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule, Sequential
from mmseg.models.backbones.resnet import ResNet
from mmseg.registry import MODELS
from torch import Tensor

from mmbin.ops.registry import build_channel_act, get_layer_class

__all__ = ['BiBasicBlock', 'BiResLayer', 'BiResNet']


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

    Args:
        inplanes (int): Input channels.
        planes (int): Output channels.
        stride (int): Stride of ``conv1``. Defaults to 1.
        dilation (int): Dilation (and padding) of ``conv1``. Defaults to 1.
        downsample (nn.Module, optional): Shortcut when the shape changes.
        conv_cfg (dict, optional): Config of the two 3x3 convolutions.
            Defaults to ``dict(type='ReActConv')``.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')``.
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
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, planes, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, planes, postfix=2)
        self.conv1 = build_conv_layer(
            conv_cfg,
            inplanes,
            planes,
            3,
            stride=stride,
            padding=dilation,
            dilation=dilation,
            bias=False)
        self.add_module(self.norm1_name, norm1)
        self.act1 = build_channel_act(act_cfg, planes)
        self.conv2 = build_conv_layer(
            conv_cfg, planes, planes, 3, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.act2 = build_channel_act(act_cfg, planes)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    @property
    def norm1(self) -> nn.Module:
        """nn.Module: The norm after ``conv1``."""
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        """nn.Module: The norm after ``conv2``."""
        return getattr(self, self.norm2_name)

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""

        def _inner_forward(x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.act1(self.norm1(self.conv1(x)) + identity)
            return self.act2(self.norm2(self.conv2(out)) + out)

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(_inner_forward, x, use_reentrant=False)
        return _inner_forward(x)


class BiResLayer(Sequential):
    """A stage of :class:`BiBasicBlock`.

    The shortcut of the first block, when the shape changes, is
    ``AvgPool2d(stride) -> 1x1 conv (stride 1) -> BN`` (no pooling when the
    stage is dilated instead of strided). Its children are named ``pool``,
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
        if stride != 1 or inplanes != planes * block.expansion:
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
      Bi-Real Net).

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
