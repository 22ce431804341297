# configs/bimtdp/pascal_r18.py with prediction distillation on top of the
# feature terms (the distillation of Bi-MTDP before feature KD became the
# default): CWD on semseg and parts, binary KL on saliency and boundaries,
# L1 on unit normals, weights equal to the task weights.
_base_ = ['./pascal_r18.py']
model = dict(distill_loss=dict(predictions={{_base_.kd_predictions}}))
