# Step 2 of computation sharing (small ViT, synthetic stand-in): the
# segmentation model of step 1 is the frozen base task; depth, normals and
# boundaries become per-weight deltas on its encoder (ViT and neck;
# hard-concrete L0 gates, L0 penalty) with their own decoders, initialised
# from their step-1 models. Needs the four step-1 runs:
#   for t in seg depth normal edge; do
#     python tools/train.py configs/sharing/synthetic_vit_step1_$t.py; done
#   python tools/train.py configs/sharing/synthetic_vit_step2.py
_base_ = ['./_base_/synthetic_vit_step1.py']
step1 = 'configs/sharing/synthetic_vit_step1_{}.py'
step1_dir = 'work_dirs/synthetic_vit_step1_{}'
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
# The reference code's optimisers: AdamW for the deltas and the sub-task
# decoders (weight decay 1e-6) and a separate AdamW for the gates'
# log_alpha (lr 0.1, torch's default weight decay 0.01), here as param-wise
# options: lr 1e-3 x 100 = 0.1, weight decay 1e-6 x 1e4 = 0.01.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', weight_decay=1e-6),
    paramwise_cfg=dict(
        custom_keys={'log_alpha': dict(lr_mult=100.0, decay_mult=1e4)}))
# CPU schedule of step 2: 200 iterations of batch 8.
step_iters = 200
train_cfg = dict(max_iters=step_iters, val_interval=step_iters)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=1.0,
        begin=0,
        end=step_iters,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=step_iters))
