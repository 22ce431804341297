# FP multi-task ResNet-18 on NYUD-v2 scaled down to about the OPs of the
# binary multi-task models (twin of synthetic_r18_fp_narrow.py): a ResNet-18
# of base width 12, a 32-channel decoder and 16-channel heads. No ImageNet
# weights exist for this width: it trains from scratch. At 480x640
# (mmbin.analysis): 1.78 GOPs, 0.49 M FP params; the binary ReActNet model
# bimtdp/nyud_r18_no_ib_no_kd.py 1.68 GOPs; nyud_r18_fp.py 33.7 GOPs.
#   python tools/train.py configs/mtdp/nyud_r18_fp_narrow.py
_base_ = ['./nyud_r18_fp.py']
base_width = 12
decoder_channels = 32
head_channels = 16
head_narrow = dict(in_channels=decoder_channels, channels=head_channels)
model = dict(
    pretrained=None,
    backbone=dict(stem_channels=base_width, base_channels=base_width),
    decoder=dict(
        in_channels=[base_width * 2**i for i in range(4)],
        channels=decoder_channels),
    decode_heads=dict(
        seg=head_narrow,
        depth=head_narrow,
        normal=head_narrow,
        edge=head_narrow))
