# Copyright (c) mmbin contributors. All rights reserved.
"""Run a multi-task model on images, folders and arrays: predictions of
every task, pictures and raw maps."""
import copy
import functools
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import mmcv
import mmengine
import numpy as np
import torch
import torch.nn as nn
from mmcv.transforms import Compose
from mmengine.config import Config, ConfigDict
from mmengine.dataset import pseudo_collate
from mmengine.infer.infer import BaseInferencer
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import FUNCTIONS, init_default_scope
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)
from mmengine.utils import ProgressBar, import_modules_from_strings
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample

from mmbin.models.decode_heads import (DepthTaskHead, EdgeTaskHead,
                                       NormalTaskHead, SegTaskHead)
from mmbin.visualization.multitask_visualizer import _default_palette
from mmbin.visualization.task_maps import (depth_with_scale, edges_to_rgb,
                                           labels_to_rgb, normals_to_rgb,
                                           tile_panels)

__all__ = ['MultiTaskInferencer', 'IMAGE_EXTENSIONS']

InputType = Union[str, np.ndarray]
InputsType = Union[InputType, Sequence[InputType]]

#: File name endings read as images from a folder.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp', '.ppm', '.pgm')

#: Transforms of a test pipeline that load annotations (dropped).
_ANNOTATION_LOADERS = ('LoadAnnotations', 'LoadMultiTaskAnnotations',
                       'LoadDepthAnnotation')

#: Panel titles, in panel order.
_TITLES = dict(
    seg='semseg',
    parts='parts',
    depth='depth',
    normal='normals',
    edge='boundaries',
    saliency='saliency')


def _task_kind(head: nn.Module) -> str:
    """How a head's prediction is stored and drawn."""
    if isinstance(head, SegTaskHead):  # also PartsTaskHead
        return 'labels'
    if isinstance(head, DepthTaskHead):
        return 'depth'
    if isinstance(head, NormalTaskHead):
        return 'normal'
    if isinstance(head, EdgeTaskHead):  # also SaliencyTaskHead
        return 'probability'
    raise TypeError(
        f'MultiTaskInferencer cannot draw the predictions of '
        f'{type(head).__name__}; supported heads: SegTaskHead, '
        'PartsTaskHead, DepthTaskHead, NormalTaskHead, EdgeTaskHead, '
        'SaliencyTaskHead')


class MultiTaskInferencer(BaseInferencer):
    """Multi-task inferencer in the style of MMSegmentation's
    ``MMSegInferencer``: MMEngine's ``BaseInferencer`` workflow (config ->
    model, test pipeline -> ``model.test_step`` -> pictures and arrays)
    for :class:`~mmbin.models.MultiTaskEncoderDecoder` models.

    ``MMSegInferencer`` draws one semantic (or depth) map with mmseg's
    visualiser and returns one array per image; a multi-task model needs a
    picture and an array per task, so this class renders with
    :mod:`mmbin.visualization.task_maps` (segmentation and parts overlaid on
    the image, depth colour-mapped with a metric scale bar, normals as RGB,
    boundaries and saliency as intensity) and returns ``{task: array}``.
    It also runs an exported OpenVINO IR (``ir=``): the model is built from
    the config and its ``encode_decode`` replaced by the IR
    (:func:`mmbin.deploy.attach_openvino`), so pre- and post-processing are
    the same as for the PyTorch model.

    ``__call__`` is overridden to predict, draw and write batch by batch:
    ``BaseInferencer.__call__`` predicts every input before drawing any,
    which for a folder keeps all data samples (with their logits) in
    memory.

    Outputs, for an input named ``NAME`` (the file name without extension,
    or an 8-digit counter for arrays):

    - pictures ``{out_dir}/vis/NAME_panel.png`` (image and every task side
      by side) and ``{out_dir}/vis/NAME_<task>.png``;
    - with ``save_npy=True``, ``{out_dir}/pred/NAME_<task>.npy``: labels
      ``(H, W)`` int64 for ``seg`` / ``parts``, depth ``(H, W)`` float32 in
      metres, normals ``(H, W, 3)`` float32 unit vectors, boundary /
      saliency probabilities ``(H, W)`` float32, at the input image's size.

    Args:
        model (str | Config | dict): Config file or config.
        weights (str, optional): Checkpoint written by ``tools/train.py``,
            loaded strictly. Required unless ``ir`` is given.
        ir (str, optional): Exported OpenVINO IR (``model.xml`` or its
            directory, ``tools/deploy/export_openvino.py``) to run instead
            of a checkpoint; the network then runs in OpenVINO on the
            CPU.
        device (str, optional): Torch device (``'cpu'``, ``'cuda'``,
            ``'cuda:1'``); defaults to CUDA when available. Must be CPU
            with ``ir``.
        ir_threads (int, optional): OpenVINO inference threads.
        palette (list, optional): RGB colour per class for ``seg``;
            defaults to the checkpoint's, then the config dataset's.
        scope (str): Registry scope. Defaults to ``'mmseg'``.
        show_progress (bool): Progress bar for more than one input.
            Defaults to True.
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = {
        'show', 'wait_time', 'img_out_dir', 'opacity', 'return_vis',
        'depth_range'
    }
    postprocess_kwargs: set = {'pred_out_dir', 'return_datasample'}

    def __init__(self,
                 model: Union[str, Config, dict],
                 weights: Optional[str] = None,
                 ir: Optional[str] = None,
                 device: Optional[str] = None,
                 ir_threads: Optional[int] = None,
                 palette: Optional[Sequence[Sequence[int]]] = None,
                 scope: str = 'mmseg',
                 show_progress: bool = True) -> None:
        import mmbin  # noqa: F401  (registers mmbin components)
        if isinstance(model, str) and not osp.isfile(model):
            raise FileNotFoundError(
                f'config file {model!r} does not exist; pass a config such '
                'as configs/bimtdp/synthetic_r18.py')
        if ir is not None and weights is not None:
            raise ValueError(
                'MultiTaskInferencer runs either a checkpoint (weights=...) '
                'or an exported IR (ir=..., whose weights are in the IR), '
                'not both; for the class colours of the checkpoint pass '
                'palette=... with ir')
        if ir is None and weights is None:
            raise ValueError(
                'MultiTaskInferencer needs a checkpoint (weights=...: the '
                '.pth written by tools/train.py) or an exported OpenVINO IR '
                '(ir=...)')
        if weights is not None and not osp.isfile(osp.expanduser(weights)):
            raise FileNotFoundError(
                f'checkpoint {weights!r} does not exist; pass the .pth file '
                'written by tools/train.py (e.g. work_dirs/<config>/'
                'iter_<N>.pth)')
        if ir is not None:
            if device is not None and torch.device(device).type != 'cpu':
                raise ValueError(
                    f'an OpenVINO IR runs on the CPU; got device={device!r} '
                    '(leave it out or pass "cpu")')
            device = 'cpu'
        self._ir = ir
        self._ir_threads = ir_threads
        self._palette_arg = palette
        self.num_visualized_imgs = 0
        self.num_pred_imgs = 0
        init_default_scope(scope)
        super().__init__(
            model=model,
            weights=weights,
            device=device,
            scope=scope,
            show_progress=show_progress)
        if device == 'cpu' or not torch.cuda.is_available():
            self.model = revert_sync_batchnorm(self.model)
        self.tasks = list(self.model.decode_heads)
        self.kinds = {
            t: _task_kind(h)
            for t, h in self.model.decode_heads.items()
        }

    # ------------------------------------------------------------------
    # model and pipeline
    def _init_model(self, cfg: ConfigDict, weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        """Build the model; load the checkpoint strictly, or attach the
        IR."""
        from mmseg.registry import MODELS
        if cfg.get('custom_imports'):
            import_modules_from_strings(**cfg['custom_imports'])
        model = MODELS.build(copy.deepcopy(cfg.model))
        if not hasattr(model, 'decode_heads') or not isinstance(
                model.decode_heads, nn.ModuleDict):
            raise TypeError(
                f'MultiTaskInferencer runs multi-task models '
                f'(MultiTaskEncoderDecoder); the config builds '
                f'{type(model).__name__}: use mmseg.apis.MMSegInferencer')
        model.cfg = cfg
        meta = None
        if weights is not None:
            checkpoint = _load_checkpoint(weights, map_location='cpu')
            state = checkpoint.get('state_dict', checkpoint)
            try:
                _load_checkpoint_to_model(model, {'state_dict': state},
                                          strict=True)
            except RuntimeError as err:
                raise RuntimeError(
                    f'checkpoint {weights!r} does not match the model of the '
                    f'config: {err}') from err
            meta = checkpoint.get('meta', {}).get('dataset_meta')
        model.dataset_meta = self._dataset_meta(cfg, meta)
        model.to(device)
        model.eval()
        if self._ir is not None:
            from mmbin.deploy import attach_openvino
            attach_openvino(model, self._ir, self._ir_threads)
        return model

    def _dataset_meta(self, cfg: ConfigDict, meta: Optional[dict]) -> dict:
        """Classes and palettes: the argument, the checkpoint, the config's
        test dataset class."""
        out = {}
        try:
            ds_type = cfg.test_dataloader.dataset.type
            cls = DATASETS.get(ds_type) if isinstance(ds_type, str) else None
            out.update(getattr(cls, 'METAINFO', {}) or {})
        except AttributeError:
            pass
        out.update(meta or {})
        if self._palette_arg is not None:
            out['palette'] = [list(c) for c in self._palette_arg]
        return out

    def _init_collate(self, cfg: ConfigDict):
        """The test dataloader's ``collate_fn`` (MMEngine's function
        registry; mmseg has none, which makes the base class warn) or
        ``pseudo_collate``."""
        collate = cfg.get('test_dataloader', {}).get('collate_fn')
        if collate is None:
            return pseudo_collate
        collate = dict(collate)
        fn = FUNCTIONS.get(collate.pop('type'))
        return functools.partial(fn, **collate) if collate else fn

    def _init_visualizer(self, cfg: ConfigDict):
        """Pictures are drawn with :mod:`mmbin.visualization.task_maps`; no
        visualiser instance is needed."""
        return None

    def _init_pipeline(self, cfg: ConfigDict) -> Compose:
        """The config's test pipeline without annotation loading, reading
        paths and arrays (mmseg's ``InferencerLoader``); with an IR in
        ``whole`` mode, resizing to the IR's input size."""
        try:
            pipeline_cfg = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
        except AttributeError:
            pipeline_cfg = copy.deepcopy(cfg.get('test_pipeline'))
        if not pipeline_cfg:
            raise KeyError('the config has no test pipeline '
                           '(test_dataloader.dataset.pipeline)')
        pipeline_cfg = [
            t for t in pipeline_cfg if t['type'] not in _ANNOTATION_LOADERS
        ]
        idx = self._get_transform_idx(pipeline_cfg, 'LoadImageFromFile')
        if idx == -1:
            raise KeyError('LoadImageFromFile is not in the test pipeline '
                           'of the config')
        pipeline_cfg[idx] = dict(type='InferencerLoader')
        if self._ir is not None and self.model.test_cfg.get(
                'mode', 'whole') == 'whole':
            runner = self.model.__dict__['_openvino_runner']
            h, w = runner.input_shape[2:]
            pipeline_cfg = [
                t for t in pipeline_cfg if 'Resize' not in t['type']
            ]
            pipeline_cfg.insert(
                idx + 1, dict(type='Resize', scale=(w, h), keep_ratio=False))
        return Compose(pipeline_cfg)

    @staticmethod
    def _get_transform_idx(pipeline_cfg: List[dict], name: str) -> int:
        for i, transform in enumerate(pipeline_cfg):
            if transform['type'] == name:
                return i
        return -1

    # ------------------------------------------------------------------
    # inputs
    def _inputs_to_list(self, inputs: InputsType) -> list:
        """Paths, arrays or a folder (its images, sorted) as a list; names
        what cannot be read."""
        if isinstance(inputs, (str, os.PathLike)):
            inputs = str(inputs)
            if osp.isdir(inputs):
                files = sorted(
                    f for f in os.listdir(inputs)
                    if f.lower().endswith(IMAGE_EXTENSIONS))
                if not files:
                    raise FileNotFoundError(
                        f'folder {inputs!r} holds no image (looked for '
                        f'{", ".join(IMAGE_EXTENSIONS)})')
                return [osp.join(inputs, f) for f in files]
            inputs = [inputs]
        elif isinstance(inputs, np.ndarray):
            inputs = [inputs]
        out = []
        for item in inputs:
            if isinstance(item, os.PathLike):
                item = str(item)
            if isinstance(item, str):
                self._check_image_file(item)
            elif isinstance(item, np.ndarray):
                if item.dtype != np.uint8 or item.ndim not in (2, 3) or (
                        item.ndim == 3 and item.shape[2] not in (1, 3)):
                    raise ValueError(
                        f'an input array must be a uint8 image (H, W) or '
                        f'(H, W, 3) in BGR order (as cv2.imread gives), got '
                        f'{item.dtype} of shape {item.shape}')
                if item.ndim == 2 or item.shape[2] == 1:
                    item = np.repeat(item.reshape(*item.shape[:2], 1), 3, 2)
            else:
                raise TypeError(
                    f'unsupported input {type(item).__name__}: pass image '
                    'paths, a folder, or BGR numpy arrays')
            out.append(item)
        return out

    @staticmethod
    def _check_image_file(path: str) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(f'image {path!r} does not exist')
        if not path.lower().endswith(IMAGE_EXTENSIONS):
            raise ValueError(
                f'{path!r} is not an image file this inferencer reads '
                f'({", ".join(IMAGE_EXTENSIONS)}); for a video use '
                'demo/video_demo.py')
        if mmcv.imread(path) is None:
            raise ValueError(f'image {path!r} cannot be decoded (corrupt '
                             'or not an image)')

    # ------------------------------------------------------------------
    def __call__(self,
                 inputs: InputsType,
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 return_vis: bool = False,
                 show: bool = False,
                 wait_time: float = 0,
                 out_dir: str = '',
                 img_out_dir: str = 'vis',
                 pred_out_dir: str = 'pred',
                 save_npy: bool = False,
                 return_predictions: bool = True,
                 **kwargs) -> dict:
        """Run the model.

        Inputs are processed ``batch_size`` at a time: predicted, drawn and
        written batch by batch, so a long folder does not accumulate
        predictions beyond what is returned.

        Args:
            inputs (str | np.ndarray | list): An image path, a folder, a BGR
                array (as ``cv2.imread`` gives), or a list of those.
            return_datasamples (bool): Return the
                :class:`~mmseg.structures.SegDataSample` objects instead of
                arrays. Defaults to False.
            batch_size (int): Images per forward pass. Defaults to 1.
            return_vis (bool): Return the pictures. Defaults to False.
            show (bool): Show the panel in a window. Defaults to False.
            wait_time (float): Display time of ``show`` (s).
            out_dir (str): Output folder; pictures are written to
                ``out_dir/img_out_dir`` when given. Defaults to ''.
            img_out_dir (str): Picture sub-folder; '' writes no picture.
                Defaults to 'vis'.
            pred_out_dir (str): ``.npy`` sub-folder. Defaults to 'pred'.
            save_npy (bool): Also write the raw maps as ``.npy`` to
                ``out_dir/pred_out_dir``. Defaults to False.
            return_predictions (bool): Keep and return the predictions
                (False for long folders: only files are written).
                Defaults to True.
            **kwargs: ``opacity`` (of the label overlays, default 0.6) and
                ``depth_range`` (``(min, max)`` metres of the depth colour
                scale; per image by default).

        Returns:
            dict: ``predictions`` (per input ``{task: array}``, or the data
            samples) and ``visualization`` (per input ``{'panel' | task:
            RGB array}`` when ``return_vis``); a single input gives the
            item itself instead of a one-item list.
        """
        if out_dir:
            img_out_dir = osp.join(out_dir, img_out_dir) if img_out_dir \
                else ''
            pred_out_dir = osp.join(out_dir, pred_out_dir) if save_npy \
                else ''
        else:
            img_out_dir = pred_out_dir = ''
            if save_npy:
                raise ValueError('save_npy=True needs out_dir')
        (_, _, visualize_kwargs, _) = self._dispatch_kwargs(**kwargs)
        ori_inputs = self._inputs_to_list(inputs)
        chunks = self._get_chunk_data(iter(ori_inputs), batch_size)
        bar = ProgressBar(len(ori_inputs)) if (
            self.show_progress and len(ori_inputs) > 1) else None
        results = dict(predictions=[], visualization=[])
        for chunk in chunks:
            data = self.collate_fn([self.pipeline(x) for x in chunk])
            preds = self.forward(data)
            vis = self.visualize(
                chunk,
                preds,
                return_vis=return_vis,
                show=show,
                wait_time=wait_time,
                img_out_dir=img_out_dir,
                **visualize_kwargs)
            res = self.postprocess(
                preds,
                vis,
                return_datasample=return_datasamples,
                pred_out_dir=pred_out_dir,
                names=[self._name(x, self.num_pred_imgs + i)
                       for i, x in enumerate(chunk)])
            if return_predictions:
                results['predictions'].extend(res['predictions'])
            if vis is not None:
                results['visualization'].extend(vis)
            if bar is not None:
                for _ in chunk:
                    bar.update()
        if bar is not None:
            print()
        if len(ori_inputs) == 1:
            for key in ('predictions', 'visualization'):
                if len(results[key]) == 1:
                    results[key] = results[key][0]
        return results

    @staticmethod
    def _name(item: InputType, counter: int) -> str:
        if isinstance(item, str):
            return osp.splitext(osp.basename(item))[0]
        return f'{counter:08d}'

    @staticmethod
    def _image(item: InputType) -> np.ndarray:
        """RGB uint8 image of an input."""
        if isinstance(item, str):
            img = mmcv.imread(item, channel_order='rgb')
        else:  # (H, W, 3) BGR uint8, checked by _inputs_to_list
            img = np.ascontiguousarray(item[..., ::-1])
        return img

    # ------------------------------------------------------------------
    # predictions as arrays and pictures
    def prediction_arrays(self,
                          sample: SegDataSample) -> Dict[str, np.ndarray]:
        """Every task's prediction as a numpy array (see the class
        docstring for shapes and dtypes).

        Args:
            sample (SegDataSample): A predicted sample.

        Returns:
            dict[str, np.ndarray]: Task to array.
        """
        out = {}
        for task, head in self.model.decode_heads.items():
            data = sample.get(head.pred_key).data.detach().cpu().numpy()
            kind = self.kinds[task]
            if kind == 'labels':
                out[task] = data[0].astype(np.int64)
            elif kind == 'normal':
                out[task] = np.ascontiguousarray(
                    data.transpose(1, 2, 0)).astype(np.float32)
            else:
                out[task] = data[0].astype(np.float32)
        return out

    def render(self,
               image: np.ndarray,
               arrays: Dict[str, np.ndarray],
               opacity: float = 0.6,
               depth_range: Optional[Tuple[float, float]] = None
               ) -> Dict[str, np.ndarray]:
        """Pictures of every task and the panel.

        Args:
            image (np.ndarray): RGB image (H, W, 3) the maps belong to.
            arrays (dict[str, np.ndarray]): :meth:`prediction_arrays`.
            opacity (float): Opacity of label overlays. Defaults to 0.6.
            depth_range (tuple[float, float], optional): Depth colour
                scale in metres; per image by default.

        Returns:
            dict[str, np.ndarray]: ``task`` -> RGB picture and ``'panel'``
            (image and every task, titled, side by side).
        """
        if not 0 <= opacity <= 1:
            raise ValueError(f'opacity must be in [0, 1], got {opacity!r}')
        meta = self.model.dataset_meta or {}
        pics = {}
        for task in self.tasks:
            value = arrays[task]
            kind = self.kinds[task]
            if kind == 'labels':
                key = 'part_palette' if task == 'parts' else 'palette'
                palette = meta.get(key)
                n = int(value.max()) + 1 if value.size else 1
                if palette is None or len(palette) < n:
                    palette = _default_palette(
                        max(n, 1), seed=11 if task == 'parts' else 7)
                rgb = labels_to_rgb(value, palette)
                pic = ((1 - opacity) * image.astype(np.float32) +
                       opacity * rgb).astype(np.uint8)
            elif kind == 'depth':
                vmin, vmax = depth_range if depth_range is not None else (
                    None, None)
                pic = depth_with_scale(value, vmin, vmax)
            elif kind == 'normal':
                pic = normals_to_rgb(value)
            else:
                pic = edges_to_rgb(value)
            pics[task] = pic
        order = [t for t in _TITLES if t in pics] + \
            [t for t in pics if t not in _TITLES]
        pics['panel'] = tile_panels([('image', image)] +
                                    [(_TITLES.get(t, t), pics[t])
                                     for t in order])
        return pics

    def visualize(self,
                  inputs: list,
                  preds: List[SegDataSample],
                  return_vis: bool = False,
                  show: bool = False,
                  wait_time: float = 0,
                  img_out_dir: str = '',
                  opacity: float = 0.6,
                  depth_range: Optional[Tuple[float, float]] = None
                  ) -> Optional[List[Dict[str, np.ndarray]]]:
        """Draw and write the pictures of a batch.

        Returns:
            list[dict] | None: Per input ``{'panel' | task: RGB}`` when
            ``return_vis``.
        """
        if not (show or img_out_dir or return_vis):
            return None
        if img_out_dir:
            mmengine.mkdir_or_exist(img_out_dir)
        results = []
        for item, pred in zip(inputs, preds):
            name = self._name(item, self.num_visualized_imgs)
            pics = self.render(
                self._image(item), self.prediction_arrays(pred), opacity,
                depth_range)
            if img_out_dir:
                for key, pic in pics.items():
                    mmcv.imwrite(
                        mmcv.rgb2bgr(pic),
                        osp.join(img_out_dir, f'{name}_{key}.png'))
            if show:
                mmcv.imshow(mmcv.rgb2bgr(pics['panel']), name, wait_time)
            if return_vis:
                results.append(pics)
            self.num_visualized_imgs += 1
        return results if return_vis else None

    def postprocess(self,
                    preds: List[SegDataSample],
                    visualization: Optional[list],
                    return_datasample: bool = False,
                    pred_out_dir: str = '',
                    names: Optional[List[str]] = None) -> dict:
        """Arrays of a batch, written as ``.npy`` to ``pred_out_dir``.

        Returns:
            dict: ``predictions`` (list of ``{task: array}`` or the data
            samples) and ``visualization``.
        """
        if names is None:
            names = [
                f'{self.num_pred_imgs + i:08d}' for i in range(len(preds))
            ]
        out = []
        if pred_out_dir:
            mmengine.mkdir_or_exist(pred_out_dir)
        for name, pred in zip(names, preds):
            arrays = self.prediction_arrays(pred)
            if pred_out_dir:
                for task, arr in arrays.items():
                    np.save(osp.join(pred_out_dir, f'{name}_{task}.npy'), arr)
            out.append(pred if return_datasample else arrays)
            self.num_pred_imgs += 1
        return dict(predictions=out, visualization=visualization)
