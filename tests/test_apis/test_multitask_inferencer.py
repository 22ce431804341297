# Copyright (c) mmbin contributors. All rights reserved.
"""MultiTaskInferencer and the demos on a tiny randomly initialised binary
multi-task model: pictures and maps of the PyTorch path, the same pictures
through an exported OpenVINO IR, a generated video, and the errors."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from _helpers.multitask import tiny_bimtdp_cfg
from _helpers.randomize import randomize_trained
from _helpers.tool_runs import load_script
from mmengine.registry import init_default_scope
from mmengine.runner import save_checkpoint
from mmseg.registry import MODELS

import mmbin  # noqa: F401
from mmbin.apis import MultiTaskInferencer, infer_video


def _demo(name):
    """Import demo/<name>.py (the demo folder is not a package)."""
    return load_script(f'demo/{name}.py')


H, W = 80, 120  # input images; the network sees 64 x 96 (no padding)
TASKS = ('seg', 'depth', 'normal', 'edge')
NUM_CLASSES = 6

#: The test config around :func:`tiny_bimtdp_cfg` (no IB neck), written to
#: a file as a user's config would be.
CONFIG = """
_base_ = []
default_scope = 'mmseg'
custom_imports = dict(imports=['mmbin'], allow_failed_imports=False)
model = {model!r}
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiTaskResize', scale=(96, 64), keep_ratio=True),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
test_dataloader = dict(
    batch_size=1,
    dataset=dict(type='NYUDMultiTaskDataset', data_root='unused',
                 pipeline=test_pipeline))
"""


def _scene(seed):
    """A BGR test image with structure (gradient, blocks, noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W]
    img = np.stack([x * 2, y * 3, (x + y) % 256], -1).astype(np.float32)
    img[10:40, 20:70] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """Config file, checkpoint, the model and two images."""
    root = tmp_path_factory.mktemp('inferencer')
    cfg_path = str(root / 'tiny_mt.py')
    with open(cfg_path, 'w') as f:
        f.write(CONFIG.format(model=tiny_bimtdp_cfg(ib=False)))
    from mmengine.config import Config
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(cfg_path).model)
    model.init_weights()
    randomize_trained(model.eval())
    ckpt = str(root / 'tiny.pth')
    save_checkpoint(
        dict(state_dict=model.state_dict(),
             meta=dict(dataset_meta=dict(
                 classes=[f'c{i}' for i in range(NUM_CLASSES)],
                 palette=[[40 * i, 255 - 40 * i, 100] for i in range(6)]))),
        ckpt)
    images = root / 'images'
    images.mkdir()
    for i in range(2):
        cv2.imwrite(str(images / f'scene_{i}.png'), _scene(i))
    return dict(root=root, config=cfg_path, ckpt=ckpt, model=model,
                images=str(images))


def _read_rgb(path):
    img = cv2.imread(path)
    assert img is not None, path
    return img[..., ::-1]


def test_pytorch_path_writes_pictures_and_maps(tiny, tmp_path):
    inf = MultiTaskInferencer(tiny['config'], tiny['ckpt'], device='cpu')
    img = osp.join(tiny['images'], 'scene_0.png')
    out = str(tmp_path / 'out')
    res = inf(img, out_dir=out, save_npy=True, return_vis=True)
    preds, vis = res['predictions'], res['visualization']
    assert set(preds) == set(TASKS)
    assert preds['seg'].shape == (H, W) and preds['seg'].dtype == np.int64
    assert 0 <= preds['seg'].min() and preds['seg'].max() < NUM_CLASSES
    assert preds['depth'].shape == (H, W) and preds['depth'].dtype == \
        np.float32
    assert preds['normal'].shape == (H, W, 3)
    np.testing.assert_allclose(
        np.linalg.norm(preds['normal'], axis=-1), 1.0, atol=1e-4)
    assert preds['edge'].shape == (H, W)
    assert 0 <= preds['edge'].min() and preds['edge'].max() <= 1
    assert len(np.unique(preds['seg'])) > 1  # not a constant map
    # pictures: one per task and the panel, at the image size
    for task in TASKS + ('panel', ):
        path = osp.join(out, 'vis', f'scene_0_{task}.png')
        pic = _read_rgb(path)
        np.testing.assert_array_equal(pic, vis[task])
        if task in ('seg', 'normal', 'edge'):
            assert pic.shape == (H, W, 3)
    assert vis['depth'].shape == (H, W + 64, 3)  # map + scale bar
    assert vis['panel'].shape[0] == H + 18  # title strip
    assert vis['panel'].shape[1] > 4 * W
    # the seg overlay uses the checkpoint's palette
    palette = np.array(inf.model.dataset_meta['palette'], np.float32)
    image = _scene(0)[..., ::-1].astype(np.float32)
    want = (0.4 * image + 0.6 * palette[preds['seg']]).astype(np.uint8)
    np.testing.assert_array_equal(vis['seg'], want)
    # raw maps
    for task in TASKS:
        arr = np.load(osp.join(out, 'pred', f'scene_0_{task}.npy'))
        np.testing.assert_array_equal(arr, preds[task])


def test_folder_arrays_and_batches(tiny, tmp_path):
    inf = MultiTaskInferencer(tiny['config'], tiny['ckpt'], device='cpu',
                              show_progress=False)
    res = inf(tiny['images'], batch_size=2, out_dir=str(tmp_path / 'f'))
    assert len(res['predictions']) == 2
    names = sorted(os.listdir(tmp_path / 'f' / 'vis'))
    assert names == sorted(f'scene_{i}_{k}.png' for i in range(2)
                           for k in TASKS + ('panel', ))
    # BGR arrays give the same predictions; arrays are named by a counter
    arrays = [_scene(0), _scene(1)]
    res2 = inf(arrays, out_dir=str(tmp_path / 'a'))
    for a, b in zip(res['predictions'], res2['predictions']):
        for task in TASKS:
            np.testing.assert_allclose(a[task], b[task], atol=1e-5)
    assert osp.isfile(tmp_path / 'a' / 'vis' / '00000002_panel.png')
    assert inf(arrays[0], return_predictions=False)['predictions'] == []


def test_openvino_ir_gives_the_pytorch_pictures(tiny, tmp_path):
    pytest.importorskip('openvino')
    from mmbin.deploy import export_openvino, save_exported
    exported = export_openvino(tiny['model'], (1, 3, 64, 96))
    ir_dir = str(tmp_path / 'ir')
    save_exported(exported, ir_dir)
    img = osp.join(tiny['images'], 'scene_1.png')
    pt = MultiTaskInferencer(tiny['config'], tiny['ckpt'], device='cpu')
    # the IR carries no dataset meta: give it the checkpoint's palette
    ov = MultiTaskInferencer(
        tiny['config'], ir=ir_dir, ir_threads=1,
        palette=pt.model.dataset_meta['palette'])
    assert ov.model.encode_decode is ov.model.__dict__['_openvino_runner']
    a = pt(img, return_vis=True)
    b = ov(img, return_vis=True)
    # labels: the same except on near-ties of the logits
    agree = (a['predictions']['seg'] == b['predictions']['seg']).mean()
    assert agree >= 0.999, agree
    for task in ('depth', 'normal', 'edge'):
        np.testing.assert_allclose(
            b['predictions'][task], a['predictions'][task], rtol=1e-4,
            atol=1e-4, err_msg=task)
    # pictures: equal up to one 8-bit level where a value sits on a
    # quantisation step (and the seg near-ties above)
    for key in TASKS + ('panel', ):
        diff = np.abs(a['visualization'][key].astype(np.int16) -
                      b['visualization'][key].astype(np.int16))
        assert (diff <= 1).mean() >= 0.999, (key, (diff <= 1).mean())
    for key in TASKS:
        same = (a['visualization'][key] == b['visualization'][key]).all(-1)
        print(f'{key}: {same.mean() * 100:.3f}% of the pixels equal')


def _write_video(path, n=5):
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 5,
                             (W, H))
    assert writer.isOpened()
    for i in range(n):
        writer.write(_scene(10 + i))
    writer.release()


def test_video_demo_on_a_generated_video(tiny, tmp_path):
    video_demo = _demo('video_demo')
    video = str(tmp_path / 'clip.mp4')
    _write_video(video)
    out = str(tmp_path / 'vout')
    video_demo.main([
        video, tiny['config'], tiny['ckpt'], '--out-dir', out,
        '--save-frames', '--save-npy', '--depth-range', '0', '10',
        '--device', 'cpu'
    ])
    cap = cv2.VideoCapture(osp.join(out, 'clip_panel.mp4'))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    assert len(frames) == 5
    panel = _read_rgb(osp.join(out, 'frames', 'vis', '00000004_panel.png'))
    assert frames[0].shape == panel.shape
    for i in range(5):
        depth = np.load(osp.join(out, 'frames', 'pred',
                                 f'{i:08d}_depth.npy'))
        assert depth.shape == (H, W)
    assert not osp.exists(osp.join(out, 'frames', 'vis', '00000005_seg.png'))
    # max_frames and no video
    inf = MultiTaskInferencer(tiny['config'], tiny['ckpt'], device='cpu',
                              show_progress=False)
    summary = infer_video(inf, video, str(tmp_path / 'v2'),
                          write_video=False, save_npy=True, max_frames=2,
                          show_progress=False)
    assert summary['frames'] == 2 and summary['video'] is None


def test_image_demo_on_a_folder(tiny, tmp_path):
    image_demo = _demo('image_demo')
    out = str(tmp_path / 'demo')
    image_demo.main([tiny['images'], tiny['config'], tiny['ckpt'],
                     '--out-dir', out, '--device', 'cpu', '--save-npy'])
    assert len(os.listdir(osp.join(out, 'vis'))) == 2 * 5
    assert len(os.listdir(osp.join(out, 'pred'))) == 2 * 4
    with pytest.raises(SystemExit):  # neither a checkpoint nor --ir
        image_demo.parse_args([tiny['images'], tiny['config']])


def test_clear_errors(tiny, tmp_path):
    cfg, ckpt = tiny['config'], tiny['ckpt']
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        MultiTaskInferencer(cfg, str(tmp_path / 'missing.pth'))
    with pytest.raises(FileNotFoundError, match='config file'):
        MultiTaskInferencer(str(tmp_path / 'none.py'), ckpt)
    with pytest.raises(ValueError, match='checkpoint'):
        MultiTaskInferencer(cfg)
    with pytest.raises(ValueError, match='not both'):
        MultiTaskInferencer(cfg, ckpt, ir=str(tmp_path))
    with pytest.raises(ValueError, match='CPU'):
        MultiTaskInferencer(cfg, ir=str(tmp_path), device='cuda')
    # a checkpoint of another model
    other = str(tmp_path / 'other.pth')
    save_checkpoint(dict(state_dict={'foo': torch.zeros(1)}), other)
    with pytest.raises(RuntimeError, match='does not match'):
        MultiTaskInferencer(cfg, other, device='cpu')
    inf = MultiTaskInferencer(cfg, ckpt, device='cpu')
    bad = tmp_path / 'broken.png'
    bad.write_bytes(b'not an image at all')
    with pytest.raises(ValueError, match='cannot be decoded'):
        inf(str(bad))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        inf(str(tmp_path / 'nope.jpg'))
    video = str(tmp_path / 'clip.mp4')
    _write_video(video, n=1)
    with pytest.raises(ValueError, match='video_demo'):
        inf(video)
    with pytest.raises(ValueError, match='uint8'):
        inf(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(TypeError, match='unsupported input'):
        inf([3])
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match='no image'):
        inf(str(empty))
    with pytest.raises(ValueError, match='out_dir'):
        inf(_scene(0), save_npy=True)
    text = tmp_path / 'notes.mp4'
    text.write_text('not a video')
    with pytest.raises(ValueError, match='cannot open'):
        infer_video(inf, str(text), str(tmp_path / 'vo'))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        infer_video(inf, str(tmp_path / 'none.mp4'), str(tmp_path / 'vo'))
