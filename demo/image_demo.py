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

from mmbin.apis.demo_args import (add_model_source_args, add_picture_args,
                                  check_model_source, inferencer_from_args)
from mmbin.utils.cli import positive_int


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Multi-task predictions on an image or a folder')
    parser.add_argument('img', help='image file or folder of images')
    add_model_source_args(parser)
    add_picture_args(
        parser, depth_range_help='depth colour scale in metres (default: '
        'per image)')
    parser.add_argument('--batch-size', type=positive_int, default=1)
    parser.add_argument(
        '--show', action='store_true', help='show each panel in a window')
    args = parser.parse_args(argv)
    check_model_source(parser, args)
    return args


def main(argv=None):
    args = parse_args(argv)
    inferencer = inferencer_from_args(args)
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
