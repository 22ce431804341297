# Single-task full-precision baseline (edge only) of configs/mtdp/synthetic_r18_fp.py,
# same backbone, decoder, head and schedule: the reference M_b of delta-m.
_base_ = ['./synthetic_r18_fp.py']
task = 'edge'
model = dict(
    decode_heads=dict(_delete_=True, edge={{_base_.model.decode_heads.edge}}),
    task_weights=dict(_delete_=True, edge=50.0))
train_dataloader = dict(dataset=dict(tasks=(task, )))
val_dataloader = dict(dataset=dict(tasks=(task, )))
test_dataloader = val_dataloader
val_evaluator = dict(tasks=(task, ))
test_evaluator = dict(tasks=(task, ))
