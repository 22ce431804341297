# Full-precision multi-task ResNet-18 on NYUD-v2 (semseg, depth, normals,
# boundaries): the Bi-MTDP teacher and the FP baseline.
#   python tools/train.py configs/mtdp/nyud_r18_fp.py
# writes work_dirs/nyud_r18_fp/, the teacher checkpoint directory that
# configs/bimtdp/nyud_r18.py reads. Needs data/NYUD_MT (docs/data.md) and
# the ImageNet ResNet-18 V1c weights (downloaded by MMEngine on first use).
_base_ = [
    '../_base_/models/mtdp_r18.py', '../_base_/datasets/nyud_mt.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_mtdp_40k.py'
]
model = dict(pretrained='open-mmlab://resnet18_v1c')
visualizer = dict(
    type='MultiTaskVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
