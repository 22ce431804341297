#!/usr/bin/env bash
# Create (or complete) the development environment in .venv/ for mmbin.
#
# Order matters: torch is installed first and pinned through
# requirements/constraints.txt in every later pip call, so no dependency can
# replace the CPU build. mmcv 2.1.0 has no CPU wheel on PyPI; it is compiled
# once with its ops (about 10 minutes on 2 cores) and the wheel is cached
# outside the repository, keyed by mmcv, torch and Python versions:
#   ${MMBIN_WHEEL_CACHE:-~/.cache/mmbin/wheels}/mmcv-2.1.0_torch-2.13.0_cp311/
# Environment: PYTHON (interpreter for the venv), VENV (default .venv).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=${VENV:-.venv}
if [ -z "${PYTHON:-}" ]; then
    PYTHON=$(command -v python3.11 || command -v python3)
fi
MMCV_VERSION=2.1.0
TORCH_VERSION=2.13.0
CONSTRAINTS=requirements/constraints.txt
log() { printf '[install] %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV with $($PYTHON --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi
PY="$(cd "$VENV/bin" && pwd)/python"
PIP=("$PY" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip >/dev/null 2>&1 || true

if ! "$PY" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    log "installing torch==$TORCH_VERSION (CPU build)"
    "${PIP[@]}" install "torch==$TORCH_VERSION"
fi

log "installing build tools (setuptools<82 keeps pkg_resources for mmcv and mmengine)"
"${PIP[@]}" install -q -c "$CONSTRAINTS" "setuptools>=77.0.3,<82" wheel ninja numpy cython

if ! "$PY" -c "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
    PYTAG=$("$PY" -c "import sys; print(f'cp{sys.version_info[0]}{sys.version_info[1]}')")
    CACHE="${MMBIN_WHEEL_CACHE:-$HOME/.cache/mmbin/wheels}/mmcv-${MMCV_VERSION}_torch-${TORCH_VERSION}_${PYTAG}"
    mkdir -p "$CACHE"
    WHEEL=$(ls "$CACHE"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
    if [ -z "$WHEEL" ]; then
        log "building mmcv==$MMCV_VERSION with compiled ops (about 10 minutes on 2 cores);"
        log "the wheel is cached in $CACHE for later installs"
        BUILD_DIR=$(mktemp -d)
        (cd "$BUILD_DIR" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
            "$PY" -m pip wheel --no-build-isolation --no-deps \
            "mmcv==$MMCV_VERSION" -w "$BUILD_DIR/wheels")
        cp "$BUILD_DIR"/wheels/mmcv-*.whl "$CACHE"/
        rm -rf "$BUILD_DIR"
        WHEEL=$(ls "$CACHE"/mmcv-"$MMCV_VERSION"-*.whl | head -n 1)
    else
        log "reusing cached mmcv wheel $WHEEL"
    fi
    "${PIP[@]}" install --no-deps "$WHEEL"
fi

log "installing runtime and test dependencies"
"${PIP[@]}" install -q -c "$CONSTRAINTS" -r requirements/runtime.txt \
    -r requirements/tests.txt -r requirements/deploy.txt
if grep -qv '^\s*#' requirements/optional.txt; then
    "${PIP[@]}" install -q --no-build-isolation -c "$CONSTRAINTS" -r requirements/optional.txt
fi

log "installing mmbin (editable)"
"${PIP[@]}" install -q --no-build-isolation --no-deps -e .

"$PY" - <<'PYEOF'
import torch, mmcv, mmcv.ops, mmengine, mmseg, mmdet, mmbin
print(f'[install] ok: torch {torch.__version__}, mmcv {mmcv.__version__} (ops), '
      f'mmengine {mmengine.__version__}, mmseg {mmseg.__version__}, '
      f'mmdet {mmdet.__version__}, mmbin {mmbin.__version__}')
PYEOF
