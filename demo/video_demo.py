# Copyright (c) mmbin contributors. All rights reserved.
"""Predict every task of a multi-task model on a video, frame by frame,
and write the panels as a video and / or the frames' pictures and maps.

    python demo/video_demo.py VIDEO CONFIG CHECKPOINT [--out-dir DIR]
    python demo/video_demo.py VIDEO CONFIG --ir IR_DIR [--out-dir DIR]

Writes DIR/<video name>_panel.mp4; --save-frames adds DIR/frames/vis/
<frame>_<task>.png, --save-npy DIR/frames/pred/<frame>_<task>.npy
(docs/inference.md).
"""
import argparse

from mmbin.apis import infer_video
from mmbin.apis.demo_args import (add_model_source_args, add_picture_args,
                                  check_model_source, inferencer_from_args)
from mmbin.utils.cli import positive_float, positive_int


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Multi-task predictions on a video')
    parser.add_argument('video', help='video file (mp4, avi, ...)')
    add_model_source_args(parser)
    add_picture_args(
        parser, depth_range_help='depth colour scale in metres, the same '
        'for every frame (default: per frame)')
    parser.add_argument(
        '--no-video', action='store_true', help='do not write the panel '
        'video')
    parser.add_argument(
        '--save-frames', action='store_true', help='write every frame\'s '
        'pictures')
    parser.add_argument(
        '--max-frames', type=positive_int, help='stop after N frames')
    parser.add_argument(
        '--fps', type=positive_float, help='frame rate of the written video '
        '(default: the input\'s)')
    args = parser.parse_args(argv)
    check_model_source(parser, args)
    return args


def main(argv=None):
    args = parse_args(argv)
    inferencer = inferencer_from_args(args, show_progress=False)
    summary = infer_video(
        inferencer,
        args.video,
        args.out_dir,
        write_video=not args.no_video,
        save_frames=args.save_frames,
        save_npy=args.save_npy,
        depth_range=tuple(args.depth_range) if args.depth_range else None,
        opacity=args.opacity,
        max_frames=args.max_frames,
        fps=args.fps)
    written = [p for p in (summary['video'], summary['frames_dir']) if p]
    print(f'{summary["frames"]} frame(s) -> {", ".join(written)}')


if __name__ == '__main__':
    main()
