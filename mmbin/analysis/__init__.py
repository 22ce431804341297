# Copyright (c) mmbin contributors. All rights reserved.
from .complexity import (MAC_OP_HANDLES, analyze_complexity, complexity_table,
                         dump_complexity_json, is_binary_mac_layer)

__all__ = [
    'MAC_OP_HANDLES', 'analyze_complexity', 'complexity_table',
    'dump_complexity_json', 'is_binary_mac_layer'
]
