# Step 2 of computation sharing on NYUD-v2 (ViT-S/16): the segmentation
# model of step 1 is the frozen base task; depth, normals and boundaries
# become per-weight deltas on its encoder (ViT and neck; hard-concrete L0
# gates, L0 penalty) with their own decoders, initialised from their
# step-1 models.
#   for t in seg depth normal edge; do
#     python tools/train.py configs/sharing/nyud_vit_step1_$t.py; done
#   python tools/train.py configs/sharing/nyud_vit_step2.py
_base_ = [
    './_base_/mt_vit_s.py', '../_base_/datasets/nyud_mt.py',
    '../_base_/default_runtime.py', './_base_/schedule_sharing_nyud.py'
]
step1 = 'configs/sharing/nyud_vit_step1_{}.py'
step1_dir = 'work_dirs/nyud_vit_step1_{}'
model = dict(
    type='SharedMultiTaskEncoderDecoder',
    base_task='seg',
    sharing=dict(
        # every encoder parameter, as the reference code: patch embedding,
        # class token, position embedding, LayerNorms, attention (input and
        # output projections), MLPs and the neck's convolutions
        layers=['backbone.*', 'neck.*'],
        exclude=[],
        delta_cfg=dict(
            per_element=True,
            per_tensor=True,
            init_log_alpha=5.0,
            limits=(-1.5, 1.5),
            temperature=1.0,
            # the reference code's L0: per-entry terms plus the per-tensor
            # gate's own term ('grouped': P(z_tensor) * sum P(z_i))
            tensor_l0='additive',
            # the reference code thresholds the outputs of the wrapped
            # layers against the base task's ('input': the layer inputs)
            activation_side='output'),
        fix_mask=False,
        threshold=0.0,
        l0_weight=1.0,
        act_l1_weight=0.0),
    init_from=dict(
        single_task={
            t: dict(checkpoint=step1_dir.format(t), config=step1.format(t))
            for t in ('seg', 'depth', 'normal', 'edge')
        }))
visualizer = dict(
    type='MultiTaskVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
