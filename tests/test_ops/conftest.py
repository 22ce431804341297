# Copyright (c) mmbin contributors. All rights reserved.
"""Fixture running a test with default scope 'mmseg' and with none."""
from collections import OrderedDict

import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(params=['mmseg', None], ids=['scope-mmseg', 'no-scope'])
def default_scope(request):
    """Set the default scope to ``'mmseg'``, or remove every default scope
    for the duration of the test (restored afterwards)."""
    saved = DefaultScope._instance_dict
    DefaultScope._instance_dict = OrderedDict()
    try:
        if request.param is not None:
            DefaultScope.get_instance(
                f'test-{request.param}', scope_name=request.param)
            assert DefaultScope.get_current_instance().scope_name == 'mmseg'
        else:
            assert DefaultScope.get_current_instance() is None
        yield request.param
    finally:
        DefaultScope._instance_dict = saved
