# configs/mtdp/nyud_r18_fp.py with automatic task balancing by
# GradNorm (Chen et al. 2018, arXiv:1711.02257): learnable weights that
# equalise the tasks' gradient norms on the decoder's last layer.
# The balancer multiplies the fixed task_weights (1/1/10/50) of the base
# config; see docs/task_balancing.md.
#   python tools/train.py configs/mtdp/nyud_r18_fp_gradnorm.py
# NYUD-v2 twin of synthetic_r18_fp_gradnorm.py.
_base_ = ['./nyud_r18_fp.py']
model = dict(task_balancer=dict(type='GradNorm', alpha=1.5))
