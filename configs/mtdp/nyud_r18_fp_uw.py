# configs/mtdp/nyud_r18_fp.py with automatic task balancing by
# uncertainty weighting (Kendall et al. 2018, arXiv:1705.07115): one learnable
# log-variance per task.
# The balancer multiplies the fixed task_weights (1/1/10/50) of the base
# config; see docs/task_balancing.md.
#   python tools/train.py configs/mtdp/nyud_r18_fp_uw.py
# NYUD-v2 twin of synthetic_r18_fp_uw.py.
_base_ = ['./nyud_r18_fp.py']
model = dict(task_balancer=dict(type='UncertaintyWeighting'))
