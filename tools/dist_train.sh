#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG NPROC [train.py args...]
# Works with or without GPUs: on CPU, tools/train.py uses the gloo backend.
source "$(dirname "$0")/dist_launch.sh"
dist_launch "$2" train.py "$1" --launcher pytorch "${@:3}"
