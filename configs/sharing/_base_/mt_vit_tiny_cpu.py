# CPU-sized variant of mt_vit_s.py for the synthetic stand-in: a ViT with
# 8x8 patches, 192 wide, 6 layers, 3 heads (ViT-Ti width, half depth), a
# 64-channel neck and decoder (sum fusion) and 32-channel heads.
_base_ = ['./mt_vit_s.py']
embed_dims = 192
neck_channels = 64
decoder_channels = 64
head_channels = 32
head_cpu = dict(in_channels=decoder_channels, channels=head_channels)
model = dict(
    backbone=dict(
        img_size=(64, 96),
        patch_size=8,
        embed_dims=embed_dims,
        num_layers=6,
        num_heads=3,
        out_indices=(2, 3, 4, 5)),
    neck=dict(
        in_channels=[embed_dims] * 4,
        out_channels=neck_channels,
        scales=[2, 1, 0.5, 0.25]),
    decoder=dict(
        in_channels=[neck_channels] * 4,
        channels=decoder_channels,
        fusion='sum'),
    decode_heads=dict(
        seg=head_cpu, depth=head_cpu, normal=head_cpu, edge=head_cpu))
