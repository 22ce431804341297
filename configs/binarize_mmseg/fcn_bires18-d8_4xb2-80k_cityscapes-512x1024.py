# FCN on Cityscapes with a binary ResNet-18 (ReActNet blocks) and binary
# decode-head convs, obtained from MMSegmentation's stock FCN-R18-D8 config
# by config alone (see docs/binarize_any_mmseg_model.md).
_base_ = 'mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py'
custom_imports = dict(imports=['mmbin'], allow_failed_imports=False)

norm_cfg = dict(type='SyncBN', requires_grad=True)
# Head convs: BiDense binary convs (DAB + XNOR weights + own BN + a
# channel-adaptive real-valued bypass), followed by an RPReLU that keeps
# negative values for the next binarizer. The conv's BN is the only norm:
# the heads' ConvModules get norm_cfg=None (with the stock norm_cfg they
# would add a second norm after the bypass sum).
binary_head_conv = dict(type='BiDenseConv', norm_cfg=norm_cfg)

model = dict(
    # the FP checkpoint initialises the binary backbone (same names/shapes)
    pretrained=None,
    backbone=dict(
        type='BiResNet',
        conv_cfg=dict(type='ReActConv'),  # binary 3x3 convs
        stem_conv_cfg=None,  # full-precision stem
        downsample_conv_cfg=None,  # full-precision 1x1 shortcuts
        act_cfg=dict(type='RPReLU'),
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')),
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
