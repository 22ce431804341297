# Step 1 (independent single-task training) of computation sharing,
# small ViT, task 'normal', on the synthetic stand-in. Writes
# work_dirs/synthetic_vit_step1_normal/, read by synthetic_vit_step2.py.
#   python tools/train.py configs/sharing/synthetic_vit_step1_normal.py
_base_ = ['./_base_/synthetic_vit_step1.py']
task = 'normal'
model = dict(
    decode_heads=dict(_delete_=True, normal={{_base_.model.decode_heads.normal}}),
    task_weights=dict(_delete_=True, normal=1.0))
train_dataloader = dict(dataset=dict(tasks=(task, )))
val_dataloader = dict(dataset=dict(tasks=(task, )))
test_dataloader = val_dataloader
val_evaluator = dict(tasks=(task, ))
test_evaluator = dict(tasks=(task, ))
