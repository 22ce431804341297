# Copyright (c) mmbin contributors. All rights reserved.
"""Registration of layers that mmcv builders must find in every scope.

mmcv's :func:`~mmcv.cnn.build_conv_layer` and
:func:`~mmcv.cnn.build_activation_layer` look layers up in MMEngine's *root*
``MODELS`` registry, switched to the current default scope. A registry lookup
without an explicit scope searches the scope's own registry and then its
parents, so a class registered in the root registry is found whether the
default scope is ``'mmseg'``, any other downstream scope, or unset. We also
register it in MMSegmentation's registry so that ``type='mmseg.BNNConv'``
works and so that listing mmseg's models shows it.
"""
import inspect
from typing import Callable, Optional, Type

from mmcv.cnn import build_activation_layer
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmseg.registry import MODELS as MMSEG_MODELS
from torch import nn

__all__ = ['register_layer', 'get_layer_class', 'build_channel_act']


def register_layer(cls: Type) -> Type:
    """Class decorator: register ``cls`` in MMEngine's root ``MODELS`` and in
    MMSegmentation's ``MODELS`` under its class name.

    Args:
        cls (type): The layer class.

    Returns:
        type: ``cls`` unchanged.
    """
    MMENGINE_MODELS.register_module(module=cls)
    MMSEG_MODELS.register_module(module=cls)
    return cls


def get_layer_class(type_name, kind: str) -> Callable:
    """Resolve a layer type (a class or a registered name) the way mmcv's
    builders do: in the registry of the current default scope, falling back
    to its parents.

    Args:
        type_name (str | type): Registered name or the class itself.
        kind (str): What is being built, used in the error message (for
            example ``'act_binarizer'``).

    Returns:
        type: The class.

    Raises:
        KeyError: If ``type_name`` is not registered.
    """
    if isinstance(type_name, type):
        return type_name
    if not isinstance(type_name, str):
        raise TypeError(f'{kind}: "type" must be a str or a class, got '
                        f'{type(type_name).__name__} ({type_name!r})')
    with MMENGINE_MODELS.switch_scope_and_registry(None) as registry:
        try:
            cls = registry.get(type_name)
        except RuntimeError:  # raised by mmengine for dotted unknown names
            cls = None
    if cls is None:
        raise KeyError(f'{kind}: unknown type "{type_name}"; it is not '
                       f'registered in scope "{registry.scope}" or its '
                       'parents (did you import mmbin?)')
    return cls


def build_channel_act(act_cfg: Optional[dict],
                      channels: int,
                      key: str = 'act_cfg') -> nn.Module:
    """Build an activation layer that may have per-channel parameters.

    Layers whose constructor takes ``num_parameters`` (``PReLU``,
    ``RPReLU``, ``LearnableBias``) get ``num_parameters=channels`` unless the
    config sets it; mmcv's ``build_activation_layer`` does the rest.

    Args:
        act_cfg (dict, optional): Activation config; ``None`` gives
            ``nn.Identity``.
        channels (int): Channels of the input.
        key (str): Name of the config key, for error messages.

    Returns:
        nn.Module: The activation.
    """
    if act_cfg is None:
        return nn.Identity()
    cfg = dict(act_cfg)
    if 'type' not in cfg:
        raise KeyError(f'{key} {act_cfg!r} has no "type"')
    cls = get_layer_class(cfg['type'], key)
    if 'num_parameters' in inspect.signature(cls).parameters:
        cfg.setdefault('num_parameters', channels)
    return build_activation_layer(cfg)
