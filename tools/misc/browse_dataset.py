# Copyright (c) mmbin contributors. All rights reserved.
"""Write one PNG per sample with the image and every task map side by side.

Example::

    python tools/misc/browse_dataset.py \
        configs/_base_/datasets/synthetic_nyud.py \
        --output-dir work_dirs/browse --num 8 --phase val

The samples go through the config's pipeline (``--phase train`` shows the
augmented maps, which is the way to check that they stay aligned).  Depth is
colour-mapped with a metric scale bar, normals drawn as RGB, boundaries in
white (ignored pixels grey).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

from mmengine.config import DictAction  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Render multi-task dataset samples to PNG files')
    parser.add_argument('config', help='config with train/val dataloaders')
    parser.add_argument(
        '--output-dir', required=True, help='folder for the PNG files')
    parser.add_argument(
        '--num', type=int, default=10, help='number of samples (default 10)')
    parser.add_argument(
        '--phase',
        choices=['train', 'val', 'test'],
        default='val',
        help='which dataloader to browse (default val)')
    parser.add_argument('--data-root', help='override data_root')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='key=value overrides of the config')
    return parser.parse_args()


def render_sample(packed, metainfo):
    """One RGB panel strip from a packed sample (``inputs`` +
    ``data_samples``) of a multi-task pipeline.

    Args:
        packed (dict): Output of ``PackMultiTaskInputs``.
        metainfo (dict): Dataset meta (``palette``, ``part_palette``).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    import numpy as np

    from mmbin.visualization import (depth_with_scale, edges_to_rgb,
                                     labels_to_rgb, normals_to_rgb,
                                     tile_panels)
    img = packed['inputs'].numpy().transpose(1, 2, 0)
    img = np.ascontiguousarray(img[..., ::-1]).astype(np.uint8)  # BGR->RGB
    sample = packed['data_samples']
    panels = [('image', img)]
    if 'gt_sem_seg' in sample:
        panels.append(('semantic', labels_to_rgb(sample.gt_sem_seg.data,
                                                 metainfo['palette'])))
    if 'gt_depth_map' in sample:
        panels.append(('depth', depth_with_scale(sample.gt_depth_map.data)))
    if 'gt_normal_map' in sample:
        panels.append(('normals', normals_to_rgb(sample.gt_normal_map.data)))
    if 'gt_edge_map' in sample:
        panels.append(('boundaries', edges_to_rgb(sample.gt_edge_map.data)))
    if 'gt_parts' in sample:
        palette = metainfo.get('part_palette') or metainfo['palette']
        panels.append(('human parts',
                       labels_to_rgb(sample.gt_parts.data, palette,
                                     ignore_color=(64, 64, 64))))
    if 'gt_saliency' in sample:
        panels.append(('saliency', edges_to_rgb(sample.gt_saliency.data)))
    return tile_panels(panels)


def main():
    args = parse_args()
    import cv2
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmbin  # noqa: F401  (registers the components)
    from mmseg.registry import DATASETS

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    loader = cfg.get(f'{args.phase}_dataloader')
    if loader is None:
        raise KeyError(f'{args.config}: no {args.phase}_dataloader')
    ds_cfg = loader['dataset']
    if args.data_root:
        ds_cfg['data_root'] = args.data_root
    dataset = DATASETS.build(ds_cfg)
    os.makedirs(args.output_dir, exist_ok=True)
    for i in range(min(args.num, len(dataset))):
        packed = dataset[i]
        strip = render_sample(packed, dataset.metainfo)
        name = packed['data_samples'].metainfo.get('sample_id', f'{i:06d}')
        out = osp.join(args.output_dir, f'{name}.png')
        cv2.imwrite(out, strip[..., ::-1])
        print(out)


if __name__ == '__main__':
    main()
