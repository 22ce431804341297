# configs/mtdp/nyud_r18_fp.py with automatic task balancing by
# dynamic weight averaging (Liu et al. 2019, arXiv:1803.10704): weights from
# the rate at which each task loss falls, per 100-iteration period (one epoch
# of the 795 NYUD-v2 training images at batch 8).
# The balancer multiplies the fixed task_weights (1/1/10/50) of the base
# config; see docs/task_balancing.md.
#   python tools/train.py configs/mtdp/nyud_r18_fp_dwa.py
# NYUD-v2 twin of synthetic_r18_fp_dwa.py.
_base_ = ['./nyud_r18_fp.py']
model = dict(
    task_balancer=dict(
        type='DynamicWeightAverage', temperature=2.0, period=100))
