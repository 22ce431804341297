# Bi-MTDP on NYUD-v2 (the headline): binary ResNet-18 backbone (ReActNet
# blocks), IB neck on every backbone level (provisional beta, see
# configs/_base_/models/bimtdp_r18.py), binary shared decoder and task heads,
# feature distillation from the full-precision teacher
# configs/mtdp/nyud_r18_fp.py, whose checkpoint also initialises the
# student (FPInitHook).
# Train the teacher first:
#   python tools/train.py configs/mtdp/nyud_r18_fp.py
# then:
#   python tools/train.py configs/bimtdp/nyud_r18.py
_base_ = [
    '../_base_/models/bimtdp_r18.py', '../_base_/datasets/nyud_mt.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_bimtdp_40k.py'
]
# Latent weights of the binary backbone from the ImageNet FP ResNet-18 (the
# parameter names of BiResNet with its 7x7 stem match torchvision's
# ResNet-18). With the FP initialisation
# below (on by default) they are then replaced by the teacher's, which was
# itself initialised from ImageNet; they stay for the tensors keep_init
# leaves alone and for nyud_r18_no_fp_init.py.
model = dict(pretrained='torchvision://resnet18')
distill_hook = dict(
    type='BiMTDPDistillHook',
    teacher_config='configs/mtdp/nyud_r18_fp.py',
    # a .pth file, or the teacher's work directory (latest checkpoint)
    teacher_checkpoint='work_dirs/nyud_r18_fp',
    warmup_iters=1000,
    stop_iter=None)
# The distillation hook stays first (tools set custom_hooks.0.*); the FP
# initialisation (FPInitHook: the student's weights start from the
# teacher's checkpoint, configs/_base_/models/bimtdp_r18.py) reads the same
# checkpoint.
custom_hooks = [distill_hook, {{_base_.fp_init_hook}}]
visualizer = dict(
    type='MultiTaskVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
