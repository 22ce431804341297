# Copyright (c) mmbin contributors. All rights reserved.
"""A segmentor's ``encode_decode`` computed by an inference runtime.

MMSegmentation's segmentors (mmseg's ``EncoderDecoder`` and mmbin's
``MultiTaskEncoderDecoder``) funnel inference through ``encode_decode``
(``whole`` and ``slide`` mode, flip augmentation). An exported model
computes exactly ``encode_decode``, so replacing that one method on a model
built from the same config evaluates the exported model with the config's
data pipeline, data preprocessor, post-processing and metrics
(:func:`attach_runner`). The runtimes (OpenVINO:
:class:`~.openvino_inference.OpenVINOEncodeDecode`, ONNX Runtime:
:class:`~.onnx_runtime.ONNXRuntimeEncodeDecode`) subclass
:class:`EncodeDecodeRunner`.
"""
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from .export import output_names_of

__all__ = ['EncodeDecodeRunner', 'attach_runner', 'shape_error']


def shape_error(ir_shape: Sequence[int], got: Sequence[int],
                what: str = 'the IR') -> ValueError:
    """The error for an input the exported model does not take.

    Args:
        ir_shape (Sequence[int]): ``(N, C, H, W)`` the model was exported
            for.
        got (Sequence[int]): The input's shape.
        what (str): Name of the exported model in the message.

    Returns:
        ValueError: Naming both shapes and how to export for ``got``.
    """
    got = tuple(int(d) for d in got)
    return ValueError(
        f'{what} was exported for inputs of shape {tuple(ir_shape)} (size '
        f'{ir_shape[2]}x{ir_shape[3]}) but the data preprocessor produced '
        f'{got}; export again with --shape {got[2]} {got[3]} (the padded '
        'size the test pipeline and data preprocessor give; for slide '
        'inference, the crop size)')


class EncodeDecodeRunner:
    """``encode_decode(inputs, batch_img_metas)`` through a runtime.

    Subclasses implement :meth:`run` for one input array.

    Args:
        output_names (list[str]): The segmentor's outputs, in order (task
            names, or ``['seg_logits']``).
        multi_task (bool): Return a dict (task -> tensor) instead of a
            tensor.
    """

    def __init__(self, output_names: List[str], multi_task: bool) -> None:
        self.output_names = list(output_names)
        self.multi_task = multi_task

    def run(self, x: np.ndarray) -> List[np.ndarray]:
        """The outputs (in :attr:`output_names` order) for input ``x``."""
        raise NotImplementedError

    def _assemble(self, outs: Sequence[np.ndarray],
                  device) -> Union[Tensor, Dict[str, Tensor]]:
        tensors = [torch.from_numpy(np.asarray(o)).to(device) for o in outs]
        if self.multi_task:
            return dict(zip(self.output_names, tensors))
        return tensors[0]

    def __call__(self,
                 inputs: Tensor,
                 batch_img_metas=None) -> Union[Tensor, Dict[str, Tensor]]:
        x = np.ascontiguousarray(inputs.detach().cpu().float().numpy())
        return self._assemble(self.run(x), inputs.device)


def _per_sample(run, x: np.ndarray) -> List[np.ndarray]:
    """``run`` on each sample of ``x`` (batch 1), outputs concatenated."""
    per = [run(np.ascontiguousarray(x[i:i + 1])) for i in range(len(x))]
    return [np.concatenate([p[k] for p in per]) for k in range(len(per[0]))]


def attach_runner(model: nn.Module, runner: EncodeDecodeRunner) -> nn.Module:
    """Make ``model`` compute ``encode_decode`` with ``runner``.

    Args:
        model (nn.Module): A segmentor built from the config the runner's
            model was exported from (its weights are not used).
        runner (EncodeDecodeRunner): The runner.

    Returns:
        nn.Module: ``model``, with ``encode_decode`` replaced (and the
        runner kept as ``model._openvino_runner``).
    """
    model.__dict__['encode_decode'] = runner
    model.__dict__['_openvino_runner'] = runner
    return model


def segmentor_outputs(model: nn.Module) -> Tuple[List[str], bool]:
    """Output names of a segmentor and whether it is multi-task.

    Raises:
        TypeError: If ``model`` is not a segmentor with ``encode_decode``.
    """
    names = output_names_of(model)
    if names is None:
        raise TypeError(f'{type(model).__name__} is not a segmentor with '
                        'encode_decode; evaluate it with its own tools')
    return names, names != ['seg_logits']
