# Bi-MTDP on ResNet-18: binary backbone (BiResNet, ReActNet blocks), a
# variational information bottleneck on every backbone level the decoder
# reads (IBNeck), a binary shared decoder and binary task heads (3x3 convs
# binary with a real-valued bypass; the 1x1 laterals, the stem, the
# shortcuts and the 1x1 prediction layers stay full precision), and the
# student side of the distillation
# from the full-precision teacher (configs/_base_/models/mtdp_r18.py):
# feature terms on the bottleneck and the fused decoder map (the paper's
# feature-based distillation; the prediction terms below, kd_predictions,
# are an option: configs/bimtdp/*_feat_pred_kd.py). The teacher itself is
# attached by BiMTDPDistillHook; the student's weights start from the
# teacher's checkpoint through fp_init_hook (the dataset configs put both
# hooks into custom_hooks).
_base_ = ['./mtdp_r18.py']

binary_conv = dict(type='ReActConv')
binary_act = dict(type='RPReLU')
binary_block = dict(conv_cfg=binary_conv, act_cfg=binary_act, bypass=True)
model = dict(
    backbone=dict(
        _delete_=True,
        type='BiResNet',
        depth=18,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg={{_base_.norm_cfg}},
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        conv_cfg=binary_conv,
        act_cfg=binary_act,
        # the ImageNet Bi-Real / ReActNet-18 stem: one full-precision 7x7
        # conv (ResNetV1b names conv1 / bn1) instead of ResNetV1c's three
        # 3x3 convs, which held about 80 % of the binary model's OPs. At
        # 96x128 (tools/analysis/get_flops.py): 0.049 G OPs instead of
        # 0.108 G, 12.9x fewer than the FP multi-task model's 0.632 G.
        # Its accuracy cost is measured in docs/benchmark.md (stand-in
        # difficulty).
        deep_stem=False),
    neck=dict(
        type='IBNeck',
        in_channels=[64, 128, 256, 512],
        # every level the decoder reads (model.decoder.in_index), each with
        # its own mu / logvar branch
        levels=(0, 1, 2, 3),
        # loss_ib = beta * KL, the KL as in VIB (summed over the channels and
        # positions of a sample, averaged over the batch) divided by the
        # positions of the finest level, so that one beta holds at every
        # input size. PROVISIONAL: with 1e-2, loss_ib is about 11 % of the
        # weighted task loss at initialisation (measured on the synthetic
        # config: KL ~406, weighted task loss ~37); the final value comes
        # from a validation sweep (docs/bimtdp.md; --cfg-options
        # model.neck.beta=...).
        beta=1e-2,
        kernel_size=3,
        conv_cfg=binary_conv,
        norm_cfg={{_base_.norm_cfg}},
        residual=True,
        logvar_init=-4.0,
        # soft bounds (gradient everywhere): the task loss and the KL, not
        # the bound, decide sigma
        logvar_range=(-10.0, 4.0)),
    decoder=dict(**binary_block),
    decode_heads=dict(
        seg=dict(**binary_block),
        depth=dict(**binary_block),
        normal=dict(**binary_block),
        edge=dict(**binary_block)),
    distill_loss=dict(
        type='MultiTaskDistillLoss',
        features=[
            # bottleneck: what the student's decoder receives vs the
            # teacher's last backbone stage
            dict(name='neck', source='neck', index=3, student_channels=512,
                 teacher_channels=512,
                 loss=dict(type='FeatureDistillLoss', loss_weight=1.0)),
            # fused decoder map
            dict(name='decoder', source='decoder', index=0,
                 student_channels=128, teacher_channels=128,
                 loss=dict(type='FeatureDistillLoss', loss_weight=1.0)),
        ],
        # feature-based distillation only (the paper's); the prediction
        # terms are kd_predictions, used by the *_feat_pred_kd.py configs
        predictions=dict()))
# Optional per-task prediction distillation, weights equal to the task
# weights (configs/bimtdp/*_feat_pred_kd.py set
# model.distill_loss.predictions to it).
kd_predictions = dict(
    seg=dict(type='ChannelWiseDistillLoss', tau=4.0, loss_weight=1.0),
    depth=dict(type='RegressionDistillLoss', loss_weight=1.0),
    normal=dict(type='RegressionDistillLoss', normalize=True,
                loss_weight=10.0),
    edge=dict(type='SoftBCEDistillLoss', pos_weight=0.95, loss_weight=50.0))
# FP initialisation (the BNN recipe of Bi-Real / ReActNet / Real-to-Binary):
# the student's latent weights, BNs, stem, shortcuts, decoder and heads
# start from the full-precision teacher's checkpoint (checkpoint=None: the
# BiMTDPDistillHook's teacher_checkpoint); binarizer and RPReLU parameters
# keep their initialisation. keep_init lists the deliberate differences
# between student and teacher, left at their initialisation: the IB neck
# (the teacher has none; it starts as the identity) and the stem (the
# student's single 7x7 conv against the teacher's ResNetV1c deep stem). Any
# other mismatch stops training with the tensors named (docs/bimtdp.md,
# "Training recipe").
fp_init_hook = dict(type='FPInitHook', checkpoint=None,
                    keep_init=[r'^neck\.', r'^backbone\.(stem|conv1|bn1)\.'])
