# Copyright (c) mmbin contributors. All rights reserved.
"""Predict every task of a multi-task model on an image or a folder of
images and write the pictures (and optionally the raw maps).

    python demo/image_demo.py IMG_OR_FOLDER CONFIG CHECKPOINT [--out-dir DIR]
    python demo/image_demo.py IMG_OR_FOLDER CONFIG --ir IR_DIR [--out-dir DIR]

Writes DIR/vis/<name>_panel.png (image and every task side by side) and
DIR/vis/<name>_<task>.png; with --save-npy also DIR/pred/<name>_<task>.npy
(docs/inference.md).
"""
import argparse
import os.path as osp

from mmbin.apis import MultiTaskInferencer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Multi-task predictions on an image or a folder')
    parser.add_argument('img', help='image file or folder of images')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument(
        'checkpoint', nargs='?', help='checkpoint (.pth); not with --ir')
    parser.add_argument(
        '--ir', help='exported OpenVINO IR (model.xml or its folder) to run '
        'instead of the checkpoint')
    parser.add_argument(
        '--out-dir', default='outputs', help='output folder (default: '
        'outputs)')
    parser.add_argument(
        '--device', default=None, help='torch device, e.g. cpu or cuda:0 '
        '(default: cuda if available); the IR always runs on the CPU')
    parser.add_argument(
        '--save-npy', action='store_true', help='also write the raw maps')
    parser.add_argument(
        '--depth-range', nargs=2, type=float, metavar=('MIN', 'MAX'),
        help='depth colour scale in metres (default: per image)')
    parser.add_argument(
        '--opacity', type=float, default=0.6, help='opacity of the label '
        'overlays (default: 0.6)')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--threads', type=int, help='OpenVINO threads')
    parser.add_argument(
        '--show', action='store_true', help='show each panel in a window')
    args = parser.parse_args(argv)
    if (args.checkpoint is None) == (args.ir is None):
        parser.error('pass a checkpoint or --ir (one of them)')
    return args


def main(argv=None):
    args = parse_args(argv)
    inferencer = MultiTaskInferencer(
        args.config,
        weights=args.checkpoint,
        ir=args.ir,
        device=args.device,
        ir_threads=args.threads)
    inferencer(
        args.img,
        batch_size=args.batch_size,
        out_dir=args.out_dir,
        save_npy=args.save_npy,
        show=args.show,
        return_predictions=False,
        depth_range=tuple(args.depth_range) if args.depth_range else None,
        opacity=args.opacity)
    print(f'{inferencer.num_visualized_imgs} image(s): pictures in '
          f'{osp.join(args.out_dir, "vis")}' +
          (f', maps in {osp.join(args.out_dir, "pred")}'
           if args.save_npy else ''))


if __name__ == '__main__':
    main()
