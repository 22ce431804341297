# Copyright (c) mmbin contributors. All rights reserved.
from .base_task_head import BaseTaskHead
from .bidense_dpt_head import BiDenseDPTHead
from .bidense_uper_depth_head import BiDenseUPerDepthHead
from .bidense_uper_head import BiDenseUPerHead
from .bypass_conv_module import BypassConvModule, build_channel_act
from .cross_task_interaction import CrossTaskInteraction
from .dense_task_head import DenseTaskHead
from .depth_task_head import DepthTaskHead
from .edge_task_head import EdgeTaskHead
from .multitask_fpn_decoder import MultiTaskFPNDecoder
from .normal_task_head import NormalTaskHead
from .parts_task_head import PartsTaskHead
from .saliency_task_head import SaliencyTaskHead
from .seg_task_head import SegTaskHead
from .uper_depth_head import UPerDepthHead

__all__ = [
    'BaseTaskHead', 'BiDenseDPTHead', 'BiDenseUPerDepthHead', 'BiDenseUPerHead',
    'BypassConvModule', 'build_channel_act', 'CrossTaskInteraction',
    'DenseTaskHead', 'DepthTaskHead', 'EdgeTaskHead', 'MultiTaskFPNDecoder',
    'NormalTaskHead', 'PartsTaskHead', 'SaliencyTaskHead', 'SegTaskHead',
    'UPerDepthHead'
]
