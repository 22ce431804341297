# Copyright (c) mmbin contributors. All rights reserved.
"""Segmentation visualisation hook that works in ``tools/test.py``.

Why this exists: MMSegmentation 1.2.2's ``SegVisualizationHook`` passes
``step=runner.iter`` to the visualiser. In a test-only run that property
builds the *training* loop, i.e. the training dataset, so
``tools/test.py --show-dir`` fails when the training data is absent.
This subclass uses the sample index as the step when no training loop has
been built. mmbin's ``tools/test.py`` swaps it in for
``SegVisualizationHook`` when ``--show``/``--show-dir`` is given.
"""
import os.path as osp
from typing import Sequence

import mmcv
from mmengine import fileio
from mmengine.runner import BaseLoop, Runner
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample


@HOOKS.register_module()
class TestTimeSegVisualizationHook(SegVisualizationHook):
    """:class:`SegVisualizationHook` that never builds the training loop.

    Args: as :class:`mmseg.engine.hooks.SegVisualizationHook`.
    """

    def _after_iter(self,
                    runner: Runner,
                    batch_idx: int,
                    data_batch: dict,
                    outputs: Sequence[SegDataSample],
                    mode: str = 'val') -> None:
        """Draw (and save) every ``interval``-th batch of val/test.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the loop.
            data_batch (dict): Data from the dataloader.
            outputs (Sequence[SegDataSample]): Model outputs.
            mode (str): ``'val'`` or ``'test'``.
        """
        if self.draw is False or mode == 'train':
            return
        if not self.every_n_inner_iters(batch_idx, self.interval):
            return
        # runner.iter would build the train loop when it does not exist yet
        # (runner._train_loop is still its config dict in a test-only run).
        built = isinstance(getattr(runner, '_train_loop', None), BaseLoop)
        for i, output in enumerate(outputs):
            step = runner.iter if built else batch_idx * len(outputs) + i
            img_path = output.img_path
            img_bytes = fileio.get(img_path, backend_args=self.backend_args)
            img = mmcv.imfrombytes(img_bytes, channel_order='rgb')
            self._visualizer.add_datasample(
                f'{mode}_{osp.basename(img_path)}',
                img,
                data_sample=output,
                show=self.show,
                wait_time=self.wait_time,
                step=step)
