# configs/bimtdp/synthetic_r18.py (Bi-MTDP, distilled from the fixed-weight
# FP teacher work_dirs/synthetic_r18_fp) with automatic task balancing by
# GradNorm (Chen et al. 2018, arXiv:1711.02257): learnable weights that
# equalise the tasks' gradient norms on the decoder's last layer.
# The balancer weighs the task losses (after the fixed task_weights); the
# distillation and IB terms keep their weights. See docs/task_balancing.md.
#   python tools/train.py configs/bimtdp/synthetic_r18_gradnorm.py
# Like synthetic_r18.py, it starts from the FP teacher's checkpoint (FPInitHook)
# and distils features only (prediction terms: synthetic_r18_feat_pred_kd.py).
_base_ = ['./synthetic_r18.py']
model = dict(task_balancer=dict(type='GradNorm', alpha=1.5))
