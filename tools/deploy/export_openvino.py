# Copyright (c) mmbin contributors. All rights reserved.
"""Export a trained mmbin model to an OpenVINO IR with bit-packed binary
convolutions.

Usage::

    python tools/deploy/export_openvino.py CONFIG CHECKPOINT --shape H W \\
        --out DIR [--allow-float] [--fp-twin] [--threads N]

``H W`` is the network input size: for evaluation, the size the test
pipeline and data preprocessor produce (padded to ``size_divisor``; e.g.
``448 576`` for NYUD-v2's 425x560 images, ``128 160`` for the synthetic
configs). The IR (``DIR/model.xml`` + ``.bin``) computes the segmentor's
``encode_decode``: outputs named after the tasks (multi-task models) or
``seg_logits``, at the input size.

The tool prints how many binary convolutions the model has and how many
run on the bit-packed u1 kernel in the compiled CPU runtime graph, checks
the IR against PyTorch on a random input, and exits with status 1 naming
every binary layer that would fall back to float (``--allow-float`` keeps
such layers as exact float math instead). See docs/deployment.md.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
import torch
from mmengine.config import DictAction


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export an mmbin model to OpenVINO (bit-packed binary '
        'convolutions)')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint (.pth)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        required=True,
        help='static input height and width')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument(
        '--allow-float',
        action='store_true',
        help='keep binary layers that cannot be packed as float math '
        'instead of failing')
    parser.add_argument(
        '--fp-twin',
        action='store_true',
        help='also export the full-precision twin (same weights, float '
        'convolutions) to OUT/fp_twin for comparison')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='inference threads for the checks (default: all cores)')
    parser.add_argument(
        '--no-check',
        action='store_true',
        help='skip the comparison with PyTorch on a random input')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load the checkpoint with unrestricted unpickling (only for '
        'files you trust)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args()


def _size(path: str) -> int:
    return os.path.getsize(path) + os.path.getsize(
        osp.splitext(path)[0] + '.bin')


def compare(model, compiled, names, shape, seed=0):
    """Outputs of the IR vs the PyTorch model on one random input.

    Returns:
        list[str]: One line per output.
    """
    from mmbin.deploy.export import ExportWrapper
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=gen)
    with torch.no_grad():
        ref = ExportWrapper(model, shape)(x)
    res = compiled.create_infer_request().infer([x.numpy()])
    lines = []
    for i, (name, r) in enumerate(zip(names, ref)):
        r = r.numpy()
        o = res[compiled.outputs[i]]
        rel = float(np.abs(o - r).max() / max(np.abs(r).max(), 1e-12))
        line = f'  {name}: max |ov - torch| / max |torch| = {rel:.2e}'
        if r.ndim == 4 and r.shape[1] > 1 and name in ('seg', 'seg_logits',
                                                       'parts'):
            agree = float((o.argmax(1) == r.argmax(1)).mean())
            line += f', argmax agreement {agree * 100:.3f}%'
        lines.append(line)
    return lines


def main():
    args = parse_args()
    if args.trust_checkpoint:
        from mmbin.utils import TRUST_ENV
        os.environ[TRUST_ENV] = '1'
    try:
        from mmbin.deploy import (UnsupportedBinaryLayerError,
                                  binary_kernel_report,
                                  build_model_from_config, compile_model,
                                  export_openvino, make_fp_twin,
                                  read_export_info, save_exported)
    except ImportError as err:
        raise SystemExit(str(err))
    try:
        model, _ = build_model_from_config(args.config, args.checkpoint,
                                           args.cfg_options)
    except (FileNotFoundError, RuntimeError) as err:
        raise SystemExit(f'error: {err}')
    shape = (1, int(getattr(model.backbone, 'in_channels', 3)) if hasattr(
        model, 'backbone') else 3, *args.shape)
    print(f'Exporting {args.config} at input shape {shape} ...', flush=True)
    try:
        exported = export_openvino(model, shape, allow_float=args.allow_float)
    except UnsupportedBinaryLayerError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(1)
    xml = save_exported(exported, args.out)
    print(f'IR: {xml} ({_size(xml) / 1e6:.2f} MB), outputs '
          f'{exported.output_names}')
    compiled = compile_model(xml, args.threads)
    report = binary_kernel_report(compiled,
                                  read_export_info(exported.ov_model))
    print(report.summary())
    if not args.no_check:
        print('PyTorch vs OpenVINO (f32) on a random input:')
        print('\n'.join(
            compare(model, compiled, exported.output_names, shape)))
    if args.fp_twin:
        twin = export_openvino(make_fp_twin(model), shape)
        twin_xml = save_exported(twin, osp.join(args.out, 'fp_twin'))
        print(f'FP twin IR: {twin_xml} ({_size(twin_xml) / 1e6:.2f} MB, '
              f'{_size(twin_xml) / _size(xml):.1f}x the binary IR)')
    if not report.ok:
        if args.allow_float and not report.not_on_u1:
            print('warning: the layers listed as float fallback run as '
                  'float math (--allow-float)')
        else:
            print('error: ' + str(report.summary()), file=sys.stderr)
            sys.exit(1)


if __name__ == '__main__':
    main()
