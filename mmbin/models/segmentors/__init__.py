# Copyright (c) mmbin contributors. All rights reserved.
from .multitask_encoder_decoder import MultiTaskEncoderDecoder
from .shared_multitask_encoder_decoder import SharedMultiTaskEncoderDecoder

__all__ = ['MultiTaskEncoderDecoder']
__all__ += ['SharedMultiTaskEncoderDecoder']
