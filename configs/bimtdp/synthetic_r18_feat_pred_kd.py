# configs/bimtdp/synthetic_r18.py with prediction distillation on top of the
# feature terms (the distillation of Bi-MTDP before feature KD became the
# default): CWD on semseg, L1 on depth and unit normals, binary KL on
# boundaries, weights equal to the task weights (kd_predictions of
# configs/_base_/models/bimtdp_r18.py). FP initialisation as synthetic_r18.py.
_base_ = ['./synthetic_r18.py']
model = dict(distill_loss=dict(predictions={{_base_.kd_predictions}}))
