#!/usr/bin/env bash
# Sourced by dist_train.sh and dist_test.sh: dist_launch NPROC SCRIPT ARGS...
# starts NPROC processes of tools/SCRIPT through torch.distributed.run with
# ARGS. NNODES, NODE_RANK, PORT, MASTER_ADDR and PYTHON may be set in the
# environment.
dist_launch() {
    local nproc=$1
    local script=$2
    shift 2
    local tools
    tools="$(dirname "${BASH_SOURCE[0]}")"
    PYTHONPATH="$tools/..":$PYTHONPATH \
    "${PYTHON:-python}" -m torch.distributed.run \
        --nnodes="${NNODES:-1}" \
        --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" \
        --nproc_per_node="$nproc" \
        --master_port="${PORT:-29500}" \
        "$tools/$script" \
        "$@"
}
