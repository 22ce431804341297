# Copyright (c) mmbin contributors. All rights reserved.
from . import (backbones, data_preprocessor, decode_heads, losses,  # noqa: F401
               necks, segmentors, sharing)
