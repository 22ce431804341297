# Copyright (c) mmbin contributors. All rights reserved.
"""Checks of an exported OpenVINO model against its PyTorch module (import
only where ``openvino`` is installed)."""
import numpy as np
import torch

from mmbin.deploy import (binary_kernel_report, compile_model,
                          read_export_info)


def check_single_output(model, exported, x: torch.Tensor, threads: int):
    """Compile ``exported``, assert that its only output equals ``model(x)``
    to a relative 1e-5, and return the binary kernel report.

    Args:
        model (nn.Module): The eval-mode PyTorch module.
        exported: What :func:`mmbin.deploy.export_openvino` returned.
        x (Tensor): The input.
        threads (int): Inference threads.

    Returns:
        The :func:`mmbin.deploy.binary_kernel_report` of the compiled model.
    """
    compiled = compile_model(exported.ov_model, threads)
    with torch.no_grad():
        ref = model(x).numpy()
    out = compiled(x.numpy())[0]
    assert np.abs(out - ref).max() / np.abs(ref).max() < 1e-5
    return binary_kernel_report(compiled, read_export_info(exported.ov_model))
