# Copyright (c) mmbin contributors. All rights reserved.
"""Helpers that several test folders share: tiny multi-task model configs,
generated ground truth, trained-looking statistics and runs of the
command-line tools.

Imported as ``_helpers``: pytest puts ``tests/`` (the folder of the root
``conftest.py``) on ``sys.path``, and spawned test processes inherit it.
"""
