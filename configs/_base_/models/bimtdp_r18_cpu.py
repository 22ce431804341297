# CPU-sized variant of bimtdp_r18.py (same narrowing as mtdp_r18_cpu.py, so
# that the teacher configs/mtdp/synthetic_r18_fp.py matches the student's
# decoder layout).
_base_ = ['./bimtdp_r18.py']
decoder_channels = 64
head_channels = 32
head_cpu = dict(in_channels=decoder_channels, channels=head_channels)
model = dict(
    decoder=dict(channels=decoder_channels, fusion='sum'),
    decode_heads=dict(
        seg=head_cpu, depth=head_cpu, normal=head_cpu, edge=head_cpu),
    distill_loss=dict(features=[
        dict(name='neck', source='neck', index=3, student_channels=512,
             teacher_channels=512,
             loss=dict(type='FeatureDistillLoss', loss_weight=1.0)),
        dict(name='decoder', source='decoder', index=0,
             student_channels=decoder_channels,
             teacher_channels=decoder_channels,
             loss=dict(type='FeatureDistillLoss', loss_weight=1.0)),
    ]))
