# Copyright (c) mmbin contributors. All rights reserved.
"""Numerical agreement of an exported IR with its PyTorch model."""
from typing import List, Sequence

import numpy as np
import openvino as ov
import torch
import torch.nn as nn

from .export import ExportWrapper

__all__ = ['compare_with_pytorch']

#: Outputs holding class logits, for which the argmax agreement is shown.
_LABEL_OUTPUTS = ('seg', 'seg_logits', 'parts')


def compare_with_pytorch(model: nn.Module,
                         compiled: ov.CompiledModel,
                         output_names: Sequence[str],
                         input_shape: Sequence[int],
                         seed: int = 0) -> List[str]:
    """Outputs of the compiled IR vs the PyTorch model on one random input.

    For every output the relative error ``max |ov - torch| / max |torch|``
    is given; for class-logit outputs (``seg``, ``seg_logits``, ``parts``)
    also the share of pixels whose argmax agrees, the number that decides
    whether deployment changes the predictions.

    Args:
        model (nn.Module): The model the IR was exported from (eval mode).
        compiled (ov.CompiledModel): The compiled IR.
        output_names (Sequence[str]): Output names in the IR's order.
        input_shape (Sequence[int]): ``(1, C, H, W)`` of the IR.
        seed (int): Seed of the random input. Defaults to 0.

    Returns:
        list[str]: One line per output.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(*input_shape, generator=gen)
    with torch.no_grad():
        ref = ExportWrapper(model, input_shape)(x)
    res = compiled.create_infer_request().infer([x.numpy()])
    lines = []
    for i, (name, r) in enumerate(zip(output_names, ref)):
        r = r.numpy()
        o = res[compiled.outputs[i]]
        rel = float(np.abs(o - r).max() / max(np.abs(r).max(), 1e-12))
        line = f'  {name}: max |ov - torch| / max |torch| = {rel:.2e}'
        if r.ndim == 4 and r.shape[1] > 1 and name in _LABEL_OUTPUTS:
            agree = float((o.argmax(1) == r.argmax(1)).mean())
            line += f', argmax agreement {agree * 100:.3f}%'
        lines.append(line)
    return lines
