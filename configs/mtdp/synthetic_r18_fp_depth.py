# Single-task full-precision baseline (depth only) of configs/mtdp/synthetic_r18_fp.py,
# same backbone, decoder, head and schedule: the reference M_b of delta-m.
_base_ = ['./synthetic_r18_fp.py']
task = 'depth'
model = dict(
    decode_heads=dict(_delete_=True, depth={{_base_.model.decode_heads.depth}}),
    task_weights=dict(_delete_=True, depth=1.0))
train_dataloader = dict(dataset=dict(tasks=(task, )))
val_dataloader = dict(dataset=dict(tasks=(task, )))
test_dataloader = val_dataloader
val_evaluator = dict(tasks=(task, ))
test_evaluator = dict(tasks=(task, ))
