# Step 1 of computation sharing on NYUD-v2 (ViT-S/16): the multi-task ViT of
# mt_vit_s.py, AdamW (the usual optimiser of ViT dense predictors), 40k
# iterations of batch 8. The per-task configs nyud_vit_step1_<task>.py keep
# one head each.
_base_ = [
    './mt_vit_s.py', '../../_base_/datasets/nyud_mt.py',
    '../../_base_/default_runtime.py',
    '../../_base_/schedules/schedule_mtdp_40k.py'
]
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='AdamW', lr=1e-4, betas=(0.9, 0.999),
        weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.)
        }))
visualizer = dict(
    type='MultiTaskVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
