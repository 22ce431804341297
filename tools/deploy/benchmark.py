# Copyright (c) mmbin contributors. All rights reserved.
"""Latency and model size of binary models on the CPU: PyTorch vs
OpenVINO, binary vs full precision, and what a user would deploy instead
(int8, ONNX Runtime).

Usage::

    python tools/deploy/benchmark.py [--models classifier multitask] \\
        [--mt-config configs/bimtdp/nyud_r18.py] [--mt-shape 425 560] \\
        [--mt-checkpoint CKPT] [--fp-config FP_CONFIG] \\
        [--fp-checkpoint FP_CKPT] [--calib-images 16] [--no-alternatives] \\
        [--cfg-options KEY=VALUE ...] [--threads 1 2] [--runs 20] \\
        [--torch-runs 5] [--json OUT]

Models:

- ``classifier``: Bi-Real-18 at 224x224 (:class:`mmbin.deploy.
  BiRealClassifier`), comparable with the published Bi-Real Net figures;
- ``multitask``: a multi-task config (default: Bi-MTDP on NYUD-v2,
  ``configs/bimtdp/nyud_r18.py``) at its evaluation input size (NYUD-v2's
  425x560 images are evaluated unresized); the timed function is the
  segmentor's ``encode_decode`` (all task predictions at the input size).

Each model is timed and sized as a PyTorch FP model (the FP twin of the
binary model, or ``--fp-config``), PyTorch binary, OpenVINO FP and OpenVINO
binary, and (unless ``--no-alternatives``) as the FP model quantized to
int8 by NNCF, the binary model with NNCF int8 on its remaining float
layers, and the FP model in ONNX Runtime, fp32 and int8
(:mod:`mmbin.deploy.benchmark`, which describes the protocol). int8 is
calibrated on ``--calib-images`` training images of the config (random
inputs, with a note, when its data do not exist). With ``--mt-checkpoint``
(and ``--fp-config``/``--fp-checkpoint`` for the FP rows) every deployed
variant is evaluated on the config's test split and its delta-m against the
FP model printed (:mod:`mmbin.deploy.benchmark_accuracy`). The tool also
checks, in the compiled runtime graph, that every binary conv runs on the
u1 kernel, and prints whether the targets of docs/deployment.md are met.
"""
import argparse

from mmbin.utils.cli import (add_cfg_options_arg, add_shape_arg,
                             add_threads_arg, exit_on_error, non_negative_int,
                             positive_int)
from mmbin.utils.config_loading import ConfigError

try:
    from mmbin.deploy import BENCHMARK_MODELS, run_deploy_benchmark
except ImportError as err:  # OpenVINO missing: say how to install it
    raise SystemExit(str(err))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Benchmark binary models: PyTorch vs OpenVINO')
    parser.add_argument(
        '--models',
        nargs='+',
        default=list(BENCHMARK_MODELS),
        choices=BENCHMARK_MODELS)
    parser.add_argument(
        '--mt-config',
        default='configs/bimtdp/nyud_r18.py',
        help='multi-task config (default: Bi-MTDP on NYUD-v2)')
    add_shape_arg(
        parser,
        '--mt-shape',
        default=(425, 560),
        help='multi-task input size (default: 425 560, NYUD-v2 evaluation)')
    parser.add_argument(
        '--mt-checkpoint',
        help='checkpoint of --mt-config; the deployed variants are then '
        'evaluated on its test split (accuracy, delta-m)')
    parser.add_argument(
        '--fp-config',
        help='config of the full-precision multi-task model (default: the '
        'FP twin of --mt-config, same architecture with float convs)')
    parser.add_argument(
        '--fp-checkpoint',
        help='checkpoint of --fp-config (its rows are then evaluated too, '
        'and delta-m is against it)')
    parser.add_argument(
        '--no-alternatives',
        action='store_true',
        help='skip the int8 (NNCF) and ONNX Runtime rows')
    parser.add_argument(
        '--calib-images',
        type=positive_int,
        default=16,
        help='int8 calibration images from the training split (default: 16)')
    parser.add_argument(
        '--eval-threads',
        type=positive_int,
        default=None,
        help='inference threads of the accuracy runs (default: the last '
        '--threads)')
    add_cfg_options_arg(parser)
    add_shape_arg(
        parser,
        '--cls-shape',
        default=(224, 224),
        help='classifier input size (default: 224 224)')
    add_threads_arg(
        parser,
        multiple=True,
        default=[1, 2],
        help='thread counts to time (default: 1 2)')
    parser.add_argument(
        '--warmup',
        type=non_negative_int,
        default=3,
        help='untimed calls per variant')
    parser.add_argument(
        '--runs', type=positive_int, default=20, help='timed calls (OpenVINO)')
    parser.add_argument(
        '--torch-runs',
        type=positive_int,
        default=None,
        help='timed calls for the PyTorch variants (default: --runs)')
    parser.add_argument(
        '--profile',
        action='store_true',
        help='print where the OpenVINO binary model spends its time (per '
        'node type, 1 thread)')
    parser.add_argument('--json', help='write the results to this file')
    parser.add_argument(
        '--work-dir',
        help='where to keep the IRs (default: a temporary directory)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    # a missing config, checkpoint or data; a bad --cfg-options key
    with exit_on_error(FileNotFoundError, ConfigError, ValueError):
        run_deploy_benchmark(
            models=args.models,
            mt_config=args.mt_config,
            mt_shape=args.mt_shape,
            mt_checkpoint=args.mt_checkpoint,
            cls_shape=args.cls_shape,
            threads=args.threads,
            warmup=args.warmup,
            runs=args.runs,
            torch_runs=args.torch_runs,
            profile=args.profile,
            work_dir=args.work_dir,
            json_out=args.json,
            fp_config=args.fp_config,
            fp_checkpoint=args.fp_checkpoint,
            alternatives=not args.no_alternatives,
            calib_images=args.calib_images,
            cfg_options=args.cfg_options,
            eval_threads=args.eval_threads)


if __name__ == '__main__':
    main()
