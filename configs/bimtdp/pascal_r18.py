# Bi-MTDP on PASCAL-Context: the PASCAL twin of configs/bimtdp/nyud_r18.py
# (binary backbone, decoder and heads, IB neck, feature distillation from
# configs/mtdp/pascal_r18_fp.py, FP initialisation from its checkpoint).
# Train the teacher first:
#   python tools/train.py configs/mtdp/pascal_r18_fp.py
# then:
#   python tools/train.py configs/bimtdp/pascal_r18.py
_base_ = [
    '../_base_/models/bimtdp_r18.py', '../_base_/datasets/pascal_mt.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_bimtdp_40k.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
head = dict(in_channels=128, channels=64, norm_cfg=norm_cfg,
            conv_cfg=dict(type='ReActConv'), act_cfg=dict(type='RPReLU'),
            bypass=True)
model = dict(
    pretrained='torchvision://resnet18',
    decode_heads=dict(
        _delete_=True,
        seg=dict(type='SegTaskHead', num_classes=21, **head),
        parts=dict(type='PartsTaskHead', num_classes=7, **head),
        saliency=dict(type='SaliencyTaskHead', **head),
        normal=dict(type='NormalTaskHead', **head),
        edge=dict(type='EdgeTaskHead', pos_weight=0.95, **head)),
    task_weights=dict(
        _delete_=True, seg=1.0, parts=2.0, saliency=5.0, normal=10.0,
        edge=50.0))
# Distillation: feature terms only (the model base). The 5 tasks' prediction
# terms, weights equal to the task weights, used by
# pascal_r18_feat_pred_kd.py:
kd_predictions = dict(
    _delete_=True,
    seg=dict(type='ChannelWiseDistillLoss', tau=4.0, loss_weight=1.0),
    parts=dict(type='ChannelWiseDistillLoss', tau=4.0, loss_weight=2.0),
    saliency=dict(type='SoftBCEDistillLoss', loss_weight=5.0),
    normal=dict(type='RegressionDistillLoss', normalize=True,
                loss_weight=10.0),
    edge=dict(type='SoftBCEDistillLoss', pos_weight=0.95, loss_weight=50.0))
distill_hook = dict(
    type='BiMTDPDistillHook',
    teacher_config='configs/mtdp/pascal_r18_fp.py',
    teacher_checkpoint='work_dirs/pascal_r18_fp',
    warmup_iters=1000,
    stop_iter=None)
# the student starts from the teacher's checkpoint (FPInitHook)
custom_hooks = [distill_hook, {{_base_.fp_init_hook}}]
visualizer = dict(
    type='MultiTaskVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
