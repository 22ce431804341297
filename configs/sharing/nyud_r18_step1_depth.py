# Step 1 (independent single-task training) of computation sharing on
# NYUD-v2, ResNet-18, task 'depth': the full-precision single-task baseline of
# configs/mtdp. Writes work_dirs/nyud_r18_step1_depth/, read by
# nyud_r18_step2.py.
#   python tools/train.py configs/sharing/nyud_r18_step1_depth.py
_base_ = ['../mtdp/nyud_r18_fp_depth.py']
