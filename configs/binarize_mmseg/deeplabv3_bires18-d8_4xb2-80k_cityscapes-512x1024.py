# DeepLabV3 on Cityscapes with a binary ResNet-18 (Bi-Real blocks) and a
# binary ASPP head, obtained from MMSegmentation's stock DeepLabV3-R18-D8
# config by config alone (see docs/binarize_any_mmseg_model.md).
_base_ = 'mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py'
custom_imports = dict(imports=['mmbin'], allow_failed_imports=False)

norm_cfg = dict(type='SyncBN', requires_grad=True)
# BiDense head convs with their own BN and bypass; the heads' ConvModules
# get norm_cfg=None so that the conv's BN is the only norm
binary_head_conv = dict(type='BiDenseConv', norm_cfg=norm_cfg)

model = dict(
    pretrained=None,
    backbone=dict(
        type='BiResNet',
        # Bi-Real Net: ApproxSign + XNOR weights; keep PReLU-like blocks
        conv_cfg=dict(type='BiRealConv'),
        act_cfg=dict(type='RPReLU'),
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')),
    # every ASPP branch, the image-pool conv and the bottleneck are binary;
    # conv_seg (the 1x1 classifier) stays full precision
    decode_head=dict(
        conv_cfg=binary_head_conv,
        norm_cfg=None,
        act_cfg=dict(type='RPReLU')),
    auxiliary_head=dict(
        conv_cfg=binary_head_conv,
        norm_cfg=None,
        act_cfg=dict(type='RPReLU')))
# mmbin's checkpoint hooks (docs/checkpoints.md): crash-safe checkpoints,
# exact --resume, checkpoints checked against the model when loaded.
default_hooks = dict(
    checkpoint=dict(type='AtomicCheckpointHook'),
    rng_state=dict(type='RNGStateHook'),
    checkpoint_load_check=dict(type='CheckpointLoadCheckHook'),
    # stop on NaN/inf losses or gradients without saving them, and log
    # losses averaged over ranks (docs/bad_inputs.md)
    nonfinite_guard=dict(type='NonFiniteGuardHook'),
    rank_averaged_loss=dict(type='RankAveragedLossHook'))
