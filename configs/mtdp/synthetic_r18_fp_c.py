# Full-precision twin of Bi-MTDP-C on the synthetic NYUD stand-in (the
# teacher of configs/bimtdp/synthetic_r18_c.py): configs/mtdp/
# synthetic_r18_fp.py with the cross-task interaction module
# (CrossTaskInteraction, PAD-Net / MTI-Net style gated messages between the
# task heads' features) built of nn.Conv2d, in the layout of the binary
# student (real-valued bypass, BN), so that its checkpoint initialises the
# student. docs/bimtdp_crosstalk.md.
#   python tools/train.py configs/mtdp/synthetic_r18_fp_c.py
# writes work_dirs/synthetic_r18_fp_c/.
_base_ = ['./synthetic_r18_fp.py']
model = dict(
    cross_task=dict(
        type='CrossTaskInteraction',
        kernel_size=3,
        conv_cfg=None,
        norm_cfg={{_base_.norm_cfg}},
        bypass=True,
        scale_init=0.0))
