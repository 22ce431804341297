# Full-precision twin of Bi-MTDP-C on PASCAL-Context (the teacher of
# configs/bimtdp/pascal_r18_c.py): configs/mtdp/pascal_r18_fp.py with the
# cross-task interaction module between its 5 task heads, built of
# nn.Conv2d. docs/bimtdp_crosstalk.md.
#   python tools/train.py configs/mtdp/pascal_r18_fp_c.py
_base_ = ['./pascal_r18_fp.py']
model = dict(
    cross_task=dict(
        type='CrossTaskInteraction',
        kernel_size=3,
        conv_cfg=None,
        norm_cfg={{_base_.norm_cfg}},
        bypass=True,
        scale_init=0.0))
