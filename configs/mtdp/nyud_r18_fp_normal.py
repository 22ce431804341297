# Single-task full-precision baseline (normal only) of configs/mtdp/nyud_r18_fp.py,
# same backbone, decoder, head and schedule: the reference M_b of delta-m.
_base_ = ['./nyud_r18_fp.py']
task = 'normal'
model = dict(
    decode_heads=dict(_delete_=True, normal={{_base_.model.decode_heads.normal}}),
    task_weights=dict(_delete_=True, normal=10.0))
train_dataloader = dict(dataset=dict(tasks=(task, )))
val_dataloader = dict(dataset=dict(tasks=(task, )))
test_dataloader = val_dataloader
val_evaluator = dict(tasks=(task, ))
test_evaluator = dict(tasks=(task, ))
