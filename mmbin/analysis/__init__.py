# Copyright (c) mmbin contributors. All rights reserved.
from .complexity import (MAC_OP_HANDLES, analyze_complexity,
                         build_flop_analyzer, complexity_table,
                         dump_complexity_json, is_binary_mac_layer)
from .config_complexity import config_complexity
from .per_layer import (PER_LAYER_KEYS, per_layer_complexity,
                        per_layer_markdown, per_layer_table)
from .sharing_report import (sharing_image_report, sharing_video_report,
                             write_sharing_report)

__all__ = [
    'MAC_OP_HANDLES', 'analyze_complexity', 'complexity_table',
    'dump_complexity_json', 'is_binary_mac_layer', 'config_complexity',
    'build_flop_analyzer', 'PER_LAYER_KEYS', 'per_layer_complexity',
    'per_layer_markdown', 'per_layer_table',
    'sharing_image_report', 'sharing_video_report',
    'write_sharing_report'
]
