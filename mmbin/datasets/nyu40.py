# Copyright (c) mmbin contributors. All rights reserved.
"""The 40-class NYU-Depth-v2 label set (Gupta et al., CVPR 2013).

Label ids in NYUD segmentation PNGs are 1..40 with 0 meaning void.  The
multi-task datasets shift them to 0..39 and map void to the ignore index, so
``NYU40_CLASSES[k]`` names the label stored as ``k + 1`` on disk.
This module has no heavy imports so the synthetic generator can use it.

References:
    - Gupta et al., "Perceptual Organization and Recognition of Indoor
      Scenes from RGB-D Images", CVPR 2013 (not on arXiv): the 40-class
      label set and the boundary ground truth of NYUD-v2.
    - Silberman et al., "Indoor Segmentation and Support Inference
      from RGBD Images", ECCV 2012 (not on arXiv). Dataset:
      https://cs.nyu.edu/~fergus/datasets/nyu_depth_v2.html
"""

NYU40_CLASSES = (
    'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door',
    'window', 'bookshelf', 'picture', 'counter', 'blinds', 'desk', 'shelves',
    'curtain', 'dresser', 'pillow', 'mirror', 'floor mat', 'clothes',
    'ceiling', 'books', 'refridgerator', 'television', 'paper', 'towel',
    'shower curtain', 'box', 'whiteboard', 'person', 'night stand', 'toilet',
    'sink', 'lamp', 'bathtub', 'bag', 'otherstructure', 'otherfurniture',
    'otherprop')

# One colour per class, fixed and well separated (first entries follow the
# palette commonly used for NYUD-v2 figures).
NYU40_PALETTE = (
    (174, 199, 232), (152, 223, 138), (31, 119, 180), (255, 187, 120),
    (188, 189, 34), (140, 86, 75), (255, 152, 150), (214, 39, 40),
    (197, 176, 213), (148, 103, 189), (196, 156, 148), (23, 190, 207),
    (178, 76, 76), (247, 182, 210), (66, 188, 102), (219, 219, 141),
    (140, 57, 197), (202, 185, 52), (51, 176, 203), (200, 54, 131),
    (92, 193, 61), (78, 71, 183), (172, 114, 82), (255, 127, 14),
    (91, 163, 138), (153, 98, 156), (140, 153, 101), (158, 218, 229),
    (100, 125, 154), (178, 127, 135), (120, 185, 128), (146, 111, 194),
    (44, 160, 44), (112, 128, 144), (96, 207, 209), (227, 119, 194),
    (213, 92, 176), (94, 106, 211), (82, 84, 163), (100, 85, 144))

# Named on-disk ids (1-based, 0 = void) for readable scene code.
NYU40_ID = {name: i + 1 for i, name in enumerate(NYU40_CLASSES)}
NYU40_VOID = 0  # unlabelled pixels on disk

assert len(NYU40_CLASSES) == 40 and len(NYU40_PALETTE) == 40
