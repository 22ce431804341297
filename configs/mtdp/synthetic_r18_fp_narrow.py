# FP multi-task ResNet-18 scaled down to the OPs of the binary multi-task
# models (the benchmark's "FP multi-task, narrow" row): is binarization
# better than simply a smaller FP network? The same layout as
# synthetic_r18_fp.py with a ResNet-18 of base width 12 (stem 12, stages
# 12/24/48/96 instead of 64/128/256/512), a 32-channel decoder and
# 16-channel heads. Counted with mmbin.analysis at 96x128
# (python tools/analysis/get_flops.py CONFIG --shape 96 128):
#   this config             0.050 GOPs, 0.47 M FP params
#   synthetic_r18_fp.py     0.632 GOPs, 11.5 M FP params
#   bimtdp/synthetic_r18_no_ib_no_kd.py (binary ReActNet, 7x7 FP stem)
#                           0.049 GOPs (FLOPs + BOPs / 64)
#   bimtdp/synthetic_r18.py (Bi-MTDP) 0.051 GOPs
# Train:
#   python tools/train.py configs/mtdp/synthetic_r18_fp_narrow.py
_base_ = ['./synthetic_r18_fp.py']
base_width = 12
decoder_channels = 32
head_channels = 16
head_narrow = dict(in_channels=decoder_channels, channels=head_channels)
model = dict(
    backbone=dict(stem_channels=base_width, base_channels=base_width),
    decoder=dict(
        in_channels=[base_width * 2**i for i in range(4)],
        channels=decoder_channels),
    decode_heads=dict(
        seg=head_narrow,
        depth=head_narrow,
        normal=head_narrow,
        edge=head_narrow))
