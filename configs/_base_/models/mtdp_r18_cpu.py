# CPU-sized variant of mtdp_r18.py for the synthetic stand-in: the same
# ResNet-18, a narrower shared decoder (64 channels, sum fusion) and heads
# (32 channels), so that one training iteration costs about half as much.
_base_ = ['./mtdp_r18.py']
decoder_channels = 64
head_channels = 32
head_cpu = dict(in_channels=decoder_channels, channels=head_channels)
model = dict(
    decoder=dict(channels=decoder_channels, fusion='sum'),
    decode_heads=dict(
        seg=head_cpu, depth=head_cpu, normal=head_cpu, edge=head_cpu))
