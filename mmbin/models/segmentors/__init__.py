# Copyright (c) mmbin contributors. All rights reserved.
from .multitask_encoder_decoder import MultiTaskEncoderDecoder

__all__ = ['MultiTaskEncoderDecoder']
