#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py args...]
# Works with or without GPUs: on CPU, tools/test.py uses the gloo backend.
source "$(dirname "$0")/dist_launch.sh"
dist_launch "$3" test.py "$1" "$2" --launcher pytorch "${@:4}"
