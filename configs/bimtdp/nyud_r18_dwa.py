# configs/bimtdp/nyud_r18.py (Bi-MTDP, distilled from the fixed-weight
# FP teacher work_dirs/nyud_r18_fp) with automatic task balancing by
# dynamic weight averaging (Liu et al. 2019, arXiv:1803.10704): weights from
# the rate at which each task loss falls, per 100-iteration period (one epoch
# of the 795 NYUD-v2 training images at batch 8).
# The balancer weighs the task losses (after the fixed task_weights); the
# distillation and IB terms keep their weights. See docs/task_balancing.md.
#   python tools/train.py configs/bimtdp/nyud_r18_dwa.py
# NYUD-v2 twin of synthetic_r18_dwa.py.
# Like nyud_r18.py, it starts from the FP teacher's checkpoint (FPInitHook)
# and distils features only (prediction terms: nyud_r18_feat_pred_kd.py).
_base_ = ['./nyud_r18.py']
model = dict(
    task_balancer=dict(
        type='DynamicWeightAverage', temperature=2.0, period=100))
