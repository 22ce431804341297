# Copyright (c) mmbin contributors. All rights reserved.
"""Deployment of binary models to OpenVINO's CPU runtime, where binary
convolutions run as bit-packed XNOR-popcount ``BinaryConvolution``
(docs/deployment.md), and the int8 / ONNX Runtime variants it is compared
with. Needs the ``deploy`` extra (``pip install -e .[deploy]``: OpenVINO,
NNCF, ONNX, ONNX Runtime; the latter three are imported only by the
functions that use them); ``import mmbin`` does not import this package."""
try:
    import openvino  # noqa: F401
except ImportError as err:  # pragma: no cover - exercised without openvino
    raise ImportError(
        'mmbin.deploy needs OpenVINO: install the deploy extra with '
        '`pip install -e .[deploy]` (or `pip install openvino`)') from err

from .binary_layer_plan import (MAX_SPLIT_GROUPS, BinaryLayerPlan,
                                UnsupportedBinaryLayerError, plan_binary_layer,
                                plan_binary_layers)
from mmbin.utils import build_model_from_config
from .benchmark import (BENCHMARK_MODELS, ROLES, benchmark_model,
                        benchmark_table, deployment_targets, row_labels,
                        run_deploy_benchmark, state_dict_size, timing_stats)
from .benchmark_accuracy import benchmark_accuracy
from .bireal_classifier import BiRealClassifier
from .cfb_export import cfb_as_fixed_conv, fuse_down_as_conv, fuse_down_matrix
from .compare import compare_with_pytorch
from .encode_decode_runner import EncodeDecodeRunner, attach_runner
from .evaluate import (build_test_runner, evaluate_openvino, evaluate_pytorch,
                       evaluate_with, metrics_side_by_side)
from .export import (EXPORT_INFO_KEY, ExportedModel, ExportWrapper,
                     binary_node_names, export_openvino, ir_size,
                     output_names_of, save_exported)
from .export_and_verify import (export_and_verify, kernel_exit_status,
                                network_input_shape)
from .fp_twin import make_fp_twin
from .onnx_runtime import (ONNXRuntimeEncodeDecode, attach_onnxruntime,
                           export_onnx, onnx_size, ort_run, ort_session,
                           quantize_onnx_int8)
from .openvino_inference import OpenVINOEncodeDecode, attach_openvino
from .ov_binary_ops import (CHANNEL_MULTIPLE, binarization_threshold,
                            build_binary_layer, fq_binarize, pack_u1,
                            restore_thresholds, u1_constant)
from .profiling import profile_node_types
from .quantize import (calibration_inputs, quantize_openvino_int8,
                       random_calibration_inputs)
from .runtime import (BinaryKernelError, BinaryKernelReport,
                      binary_kernel_report, compile_model, read_export_info,
                      read_model, runtime_config)

__all__ = [
    'BinaryLayerPlan', 'UnsupportedBinaryLayerError', 'plan_binary_layer',
    'plan_binary_layers', 'MAX_SPLIT_GROUPS', 'ExportedModel',
    'export_openvino', 'save_exported', 'EXPORT_INFO_KEY', 'binary_node_names',
    'output_names_of', 'make_fp_twin', 'binarization_threshold', 'pack_u1',
    'u1_constant', 'fq_binarize', 'build_binary_layer', 'restore_thresholds',
    'CHANNEL_MULTIPLE', 'compile_model', 'read_model', 'read_export_info',
    'BinaryKernelReport', 'binary_kernel_report', 'BinaryKernelError',
    'runtime_config', 'OpenVINOEncodeDecode', 'attach_openvino',
    'build_model_from_config', 'ExportWrapper', 'ir_size',
    'compare_with_pytorch', 'export_and_verify', 'kernel_exit_status',
    'network_input_shape', 'build_test_runner', 'evaluate_openvino',
    'metrics_side_by_side', 'profile_node_types',
    'BiRealClassifier', 'BENCHMARK_MODELS', 'state_dict_size',
    'benchmark_model', 'benchmark_table', 'deployment_targets',
    'run_deploy_benchmark', 'ROLES', 'row_labels', 'timing_stats',
    'benchmark_accuracy', 'cfb_as_fixed_conv', 'fuse_down_as_conv',
    'fuse_down_matrix', 'EncodeDecodeRunner', 'attach_runner',
    'evaluate_with', 'evaluate_pytorch', 'ONNXRuntimeEncodeDecode',
    'attach_onnxruntime', 'export_onnx', 'onnx_size', 'ort_run',
    'ort_session', 'quantize_onnx_int8', 'calibration_inputs',
    'quantize_openvino_int8', 'random_calibration_inputs'
]
