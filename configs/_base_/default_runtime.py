# Runtime shared by mmbin configs: MMSegmentation's, plus the import that
# registers mmbin's components, so that MMSegmentation's own tools/train.py
# and tools/test.py run mmbin configs unchanged.
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmbin'], allow_failed_imports=False)
