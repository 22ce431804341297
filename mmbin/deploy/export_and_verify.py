# Copyright (c) mmbin contributors. All rights reserved.
"""Export a model, save the IR and verify it: the procedure of
``tools/deploy/export_openvino.py``.

Verification means two checks a user needs before trusting a deployed
binary model: in the compiled CPU runtime graph every binary layer runs on
the bit-packed u1 kernel (:func:`~.runtime.binary_kernel_report`), and the
IR computes what PyTorch computes (:func:`~.compare.compare_with_pytorch`).
"""
import os.path as osp
import sys
from typing import Optional, Sequence, Tuple

import torch.nn as nn

from .compare import compare_with_pytorch
from .export import export_openvino, ir_size, save_exported
from .fp_twin import make_fp_twin
from .runtime import (BinaryKernelReport, binary_kernel_report,
                      compile_model, read_export_info)

__all__ = ['network_input_shape', 'export_and_verify', 'kernel_exit_status']


def network_input_shape(model: nn.Module,
                        hw: Sequence[int]) -> Tuple[int, int, int, int]:
    """The IR's static input shape ``(1, C, H, W)``.

    Args:
        model (nn.Module): The model; ``C`` is its backbone's
            ``in_channels`` (3 when it has none).
        hw (Sequence[int]): Network input height and width.

    Returns:
        tuple[int, int, int, int]: The input shape.
    """
    channels = 3
    if hasattr(model, 'backbone'):
        channels = int(getattr(model.backbone, 'in_channels', 3))
    return (1, channels, int(hw[0]), int(hw[1]))


def export_and_verify(model: nn.Module,
                      hw: Sequence[int],
                      out_dir: str,
                      name: str = 'model',
                      allow_float: bool = False,
                      fp_twin: bool = False,
                      num_threads: Optional[int] = None,
                      check: bool = True,
                      grouped: str = 'measure') -> BinaryKernelReport:
    """Export ``model`` to ``out_dir/model.xml`` and print the checks.

    Printed: the IR path, size and outputs; the binary kernel report; with
    ``check`` the agreement with PyTorch on a random input; with
    ``fp_twin`` the size of the full-precision twin's IR, saved to
    ``out_dir/fp_twin``.

    Args:
        model (nn.Module): The model in eval mode (e.g. from
            :func:`mmbin.utils.build_model_from_config`).
        hw (Sequence[int]): Network input height and width.
        out_dir (str): Output directory.
        name (str): What is exported, for the log (e.g. the config path).
        allow_float (bool): Keep binary layers that cannot be packed as
            float math instead of raising.
        fp_twin (bool): Also export the full-precision twin.
        num_threads (int, optional): Inference threads of the checks
            (``None``: all cores).
        check (bool): Compare with PyTorch on a random input.
        grouped (str): How depthwise binary layers run (``'measure'``,
            ``'binary'``, ``'float'``, see :func:`export_openvino`).

    Returns:
        BinaryKernelReport: Where the binary layers run.

    Raises:
        UnsupportedBinaryLayerError: If a binary layer cannot be packed and
            ``allow_float`` is False (nothing is written).
    """
    shape = network_input_shape(model, hw)
    print(f'Exporting {name} at input shape {shape} ...', flush=True)
    exported = export_openvino(
        model, shape, allow_float=allow_float, grouped=grouped)
    if exported.layer_timings:
        print('grouped (depthwise) binary layers, u1 blocks vs float '
              '(best of 30 calls, 1 thread):')
        for line in exported.layer_timings.values():
            print(f'  {line}')
    xml = save_exported(exported, out_dir)
    print(f'IR: {xml} ({ir_size(xml) / 1e6:.2f} MB), outputs '
          f'{exported.output_names}')
    compiled = compile_model(xml, num_threads)
    report = binary_kernel_report(compiled,
                                  read_export_info(exported.ov_model))
    print(report.summary())
    print('per binary layer:')
    print('\n'.join(f'  {line}' for line in report.per_layer()))
    if check:
        print('PyTorch vs OpenVINO (f32) on a random input:')
        print('\n'.join(
            compare_with_pytorch(model, compiled, exported.output_names,
                                 shape)))
    if fp_twin:
        twin = export_openvino(make_fp_twin(model), shape)
        twin_xml = save_exported(twin, osp.join(out_dir, 'fp_twin'))
        print(f'FP twin IR: {twin_xml} ({ir_size(twin_xml) / 1e6:.2f} MB, '
              f'{ir_size(twin_xml) / ir_size(xml):.1f}x the binary IR)')
    return report


def kernel_exit_status(report: BinaryKernelReport,
                       allow_float: bool = False) -> int:
    """Exit status of the export tool for a kernel report.

    0 when every binary layer runs on the u1 kernel, or when the only
    exceptions are layers exported as float math on purpose
    (``allow_float``, a warning is printed); otherwise 1, with the report
    on stderr.

    Args:
        report (BinaryKernelReport): From :func:`export_and_verify`.
        allow_float (bool): Whether float fall-backs were asked for.

    Returns:
        int: 0 or 1.
    """
    if report.ok:
        return 0
    if allow_float and not report.not_on_u1:
        print('warning: the layers listed as float fallback run as float '
              'math (--allow-float)')
        return 0
    print('error: ' + str(report.summary()), file=sys.stderr)
    return 1
