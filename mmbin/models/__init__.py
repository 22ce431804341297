# Copyright (c) mmbin contributors. All rights reserved.
from . import (backbones, data_preprocessor, decode_heads,  # noqa: F401
               losses, necks, segmentors, sharing)
