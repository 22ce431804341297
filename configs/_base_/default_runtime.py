# Runtime shared by mmbin configs: MMSegmentation's, plus the import that
# registers mmbin's components, so that MMSegmentation's own tools/train.py
# and tools/test.py run mmbin configs unchanged.
#
# Note for hooks that must be on by default: `default_hooks` cannot be set
# here. MMEngine refuses a key that two bases of one config both define
# ("Duplicate key is not allowed among bases"), and every schedule
# (configs/_base_/schedules/*, configs/bidense/_base_/schedules/*,
# configs/sharing/_base_/schedule_*) defines `default_hooks`. Default hooks
# therefore go into each schedule's `default_hooks` dict (merged by key, so
# configs that override one entry keep the others); the test
# tests/test_engine/test_checkpointing.py::test_every_config_has_default_hooks
# checks every config.
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmbin'], allow_failed_imports=False)
