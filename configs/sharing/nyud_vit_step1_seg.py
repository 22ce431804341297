# Step 1 (independent single-task training) of computation sharing,
# ViT-S/16, task 'seg', on NYUD-v2. Writes
# work_dirs/nyud_vit_step1_seg/, read by nyud_vit_step2.py.
#   python tools/train.py configs/sharing/nyud_vit_step1_seg.py
_base_ = ['./_base_/nyud_vit_step1.py']
task = 'seg'
model = dict(
    decode_heads=dict(_delete_=True, seg={{_base_.model.decode_heads.seg}}),
    task_weights=dict(_delete_=True, seg=1.0))
train_dataloader = dict(dataset=dict(tasks=(task, )))
val_dataloader = dict(dataset=dict(tasks=(task, )))
test_dataloader = val_dataloader
val_evaluator = dict(tasks=(task, ))
test_evaluator = dict(tasks=(task, ))
