# Copyright (c) mmbin contributors. All rights reserved.
from .balanced_bce_loss import BalancedBCELoss
from .base_distill_loss import BaseDistillLoss
from .base_loss import BaseLoss
from .channel_wise_distill_loss import ChannelWiseDistillLoss
from .depth_l1_loss import DepthL1Loss
from .feature_distill_loss import FeatureDistillLoss
from .gaussian_kl_loss import GaussianKLLoss, gaussian_kl_to_standard_normal
from .masked_pixel_loss import MaskedPixelLoss
from .multitask_distill_loss import MultiTaskDistillLoss
from .normal_loss import NormalLoss
from .pixel_kl_distill_loss import PixelKLDistillLoss
from .regression_distill_loss import RegressionDistillLoss
from .silog_loss import MaskedSILogLoss
from .soft_bce_distill_loss import SoftBCEDistillLoss
from .task_balancers import (BaseTaskBalancer, DynamicWeightAverage, GradNorm,
                             UncertaintyWeighting)

__all__ = [
    'BalancedBCELoss', 'BaseDistillLoss', 'BaseLoss', 'ChannelWiseDistillLoss',
    'DepthL1Loss', 'FeatureDistillLoss', 'GaussianKLLoss',
    'gaussian_kl_to_standard_normal', 'MaskedPixelLoss',
    'MultiTaskDistillLoss', 'NormalLoss', 'PixelKLDistillLoss',
    'RegressionDistillLoss', 'MaskedSILogLoss', 'SoftBCEDistillLoss',
    'BaseTaskBalancer', 'DynamicWeightAverage', 'GradNorm',
    'UncertaintyWeighting'
]
