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

from mmbin.apis import MultiTaskInferencer, infer_video


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Multi-task predictions on a video')
    parser.add_argument('video', help='video file (mp4, avi, ...)')
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
        '--no-video', action='store_true', help='do not write the panel '
        'video')
    parser.add_argument(
        '--save-frames', action='store_true', help='write every frame\'s '
        'pictures')
    parser.add_argument(
        '--save-npy', action='store_true', help='write every frame\'s raw '
        'maps')
    parser.add_argument(
        '--depth-range', nargs=2, type=float, metavar=('MIN', 'MAX'),
        help='depth colour scale in metres, the same for every frame '
        '(default: per frame)')
    parser.add_argument('--opacity', type=float, default=0.6)
    parser.add_argument('--max-frames', type=int, help='stop after N frames')
    parser.add_argument(
        '--fps', type=float, help='frame rate of the written video '
        '(default: the input\'s)')
    parser.add_argument('--threads', type=int, help='OpenVINO threads')
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
        ir_threads=args.threads,
        show_progress=False)
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
