# Full-precision multi-task ResNet-18 on PASCAL-Context (semseg 21 classes,
# human parts, saliency, normals, boundaries): the PASCAL twin of
# configs/mtdp/nyud_r18_fp.py and the teacher of configs/bimtdp/pascal_r18.py.
#   python tools/train.py configs/mtdp/pascal_r18_fp.py
# Needs data/PASCAL_MT (docs/data.md).
_base_ = [
    '../_base_/models/mtdp_r18.py', '../_base_/datasets/pascal_mt.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_mtdp_40k.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained='open-mmlab://resnet18_v1c',
    decode_heads=dict(
        _delete_=True,
        seg=dict(type='SegTaskHead', num_classes=21, in_channels=128,
                 channels=64, bypass=True, norm_cfg=norm_cfg),
        parts=dict(type='PartsTaskHead', num_classes=7, in_channels=128,
                   channels=64, bypass=True, norm_cfg=norm_cfg),
        saliency=dict(type='SaliencyTaskHead', in_channels=128, channels=64,
                      bypass=True, norm_cfg=norm_cfg),
        normal=dict(type='NormalTaskHead', in_channels=128, channels=64,
                    bypass=True, norm_cfg=norm_cfg),
        edge=dict(type='EdgeTaskHead', pos_weight=0.95, in_channels=128,
                  channels=64, bypass=True, norm_cfg=norm_cfg)),
    # ATRC / MTI-Net weights for PASCAL-Context
    task_weights=dict(
        _delete_=True, seg=1.0, parts=2.0, saliency=5.0, normal=10.0,
        edge=50.0))
visualizer = dict(
    type='MultiTaskVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
