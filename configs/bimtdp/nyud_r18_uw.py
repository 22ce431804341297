# configs/bimtdp/nyud_r18.py (Bi-MTDP, distilled from the fixed-weight
# FP teacher work_dirs/nyud_r18_fp) with automatic task balancing by
# uncertainty weighting (Kendall et al. 2018, arXiv:1705.07115): one learnable
# log-variance per task.
# The balancer weighs the task losses (after the fixed task_weights); the
# distillation and IB terms keep their weights. See docs/task_balancing.md.
#   python tools/train.py configs/bimtdp/nyud_r18_uw.py
# NYUD-v2 twin of synthetic_r18_uw.py.
# Like nyud_r18.py, it starts from the FP teacher's checkpoint (FPInitHook)
# and distils features only (prediction terms: nyud_r18_feat_pred_kd.py).
_base_ = ['./nyud_r18.py']
model = dict(task_balancer=dict(type='UncertaintyWeighting'))
