# Copyright (c) mmbin contributors. All rights reserved.
"""Run a segmentor's network through an exported OpenVINO IR, keeping its
PyTorch pre- and post-processing.

MMSegmentation's segmentors (mmseg's ``EncoderDecoder`` and mmbin's
``MultiTaskEncoderDecoder``) funnel inference through ``encode_decode``
(``whole`` and ``slide`` mode, flip augmentation). The IR computes exactly
``encode_decode`` for a static input shape, so replacing that one method
on a model built from the same config evaluates the IR with the config's
data pipeline, data preprocessor, post-processing and metrics: the numbers
are those ``tools/test.py`` prints for the PyTorch checkpoint.
"""
from typing import Dict, List, Optional, Union

import numpy as np
import openvino as ov
import torch
import torch.nn as nn
from torch import Tensor

from .export import output_names_of
from .runtime import compile_model, read_export_info, read_model

__all__ = ['OpenVINOEncodeDecode', 'attach_openvino']


class OpenVINOEncodeDecode:
    """``encode_decode(inputs, batch_img_metas)`` computed by a compiled IR.

    Args:
        compiled (ov.CompiledModel): The compiled IR.
        output_names (list[str]): The segmentor's outputs, in order (task
            names, or ``['seg_logits']``).
        multi_task (bool): Return a dict (task -> tensor) instead of a
            tensor.
    """

    def __init__(self, compiled: ov.CompiledModel, output_names: List[str],
                 multi_task: bool) -> None:
        self.compiled = compiled
        self.request = compiled.create_infer_request()
        self.input_shape = tuple(
            int(d) for d in compiled.inputs[0].get_partial_shape().to_shape())
        ir_names = [
            next(iter(out.get_names())) if out.get_names() else None
            for out in compiled.outputs
        ]
        missing = [n for n in output_names if n not in ir_names]
        if missing:
            raise ValueError(
                f'the IR has outputs {ir_names}, but the model predicts '
                f'{output_names} ({missing} missing): was it exported from '
                'this config?')
        self.index = {n: ir_names.index(n) for n in output_names}
        self.output_names = list(output_names)
        self.multi_task = multi_task

    def __call__(self,
                 inputs: Tensor,
                 batch_img_metas=None) -> Union[Tensor, Dict[str, Tensor]]:
        shape = tuple(int(d) for d in inputs.shape)
        if shape[1:] != self.input_shape[1:]:
            raise ValueError(
                f'the IR was exported for inputs of shape {self.input_shape} '
                f'but the data preprocessor produced {shape}; export again '
                f'with --shape {shape[2]} {shape[3]} (the padded size the '
                'test pipeline and data preprocessor give; for slide '
                'inference, the crop size)')
        x = inputs.detach().cpu().float().numpy()
        per_sample = []
        for i in range(shape[0]):
            res = self.request.infer([np.ascontiguousarray(x[i:i + 1])])
            per_sample.append([
                res[self.compiled.outputs[self.index[n]]]
                for n in self.output_names
            ])
        outs = [
            torch.from_numpy(np.concatenate([s[k] for s in per_sample
                                             ])).to(inputs.device)
            for k in range(len(self.output_names))
        ]
        if self.multi_task:
            return dict(zip(self.output_names, outs))
        return outs[0]


def attach_openvino(model: nn.Module,
                    ir: Union[str, ov.Model],
                    num_threads: Optional[int] = None) -> nn.Module:
    """Make ``model`` compute ``encode_decode`` with an OpenVINO IR.

    Args:
        model (nn.Module): A segmentor built from the config the IR was
            exported from (its weights are not used).
        ir (str | ov.Model): IR directory, ``.xml`` file or model.
        num_threads (int, optional): Inference threads.

    Returns:
        nn.Module: ``model``, with ``encode_decode`` replaced.

    Raises:
        TypeError: If ``model`` is not a segmentor with ``encode_decode``.
    """
    names = output_names_of(model)
    if names is None:
        raise TypeError(f'{type(model).__name__} is not a segmentor with '
                        'encode_decode; evaluate it with its own tools')
    ov_model = read_model(ir) if isinstance(ir, str) else ir
    info = read_export_info(ov_model)
    if info is not None and info.get('output_names') != names:
        raise ValueError(
            f'the IR was exported with outputs {info.get("output_names")}, '
            f'the config\'s model predicts {names}')
    compiled = compile_model(ov_model, num_threads)
    runner = OpenVINOEncodeDecode(
        compiled, names, multi_task=names != ['seg_logits'])
    model.__dict__['encode_decode'] = runner
    model.__dict__['_openvino_runner'] = runner
    return model
