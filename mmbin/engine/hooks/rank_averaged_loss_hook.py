# Copyright (c) mmbin contributors. All rights reserved.
"""Log the training losses averaged over all ranks."""
import zlib
from typing import Optional

import torch
from mmengine.dist import all_reduce, get_rank, is_distributed
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

__all__ = ['RankAveragedLossHook']


@HOOKS.register_module()
class RankAveragedLossHook(Hook):
    """Replace each logged training value by its mean over all ranks.

    Why this exists: MMEngine 0.10.7's ``BaseModel.parse_losses`` does not
    reduce the ``log_vars`` across processes and its ``LogProcessor`` logs
    what rank 0 put in the message hub, so a distributed run logs the loss
    of rank 0's share of the batch only. (MMCV 1.x all-reduced them; MMEngine
    dropped that.) With this hook the logged ``loss`` and ``loss_*`` values
    of a 2-process run with per-rank batch ``B`` are the mean of the two
    ranks' values, which is the value a single process computes on the
    whole ``2B`` batch when each term is a mean over samples of equal weight
    (the check: ``tests/test_engine/test_distributed_equivalence.py``).

    It runs first in ``after_train_iter`` (``HIGHEST`` priority), before
    MMEngine's ``RuntimeInfoHook`` writes the values to the message hub,
    and changes nothing in a single-process run. It checks that every rank
    logs the same names (a mismatch would silently average different terms)
    and raises otherwise.
    """

    priority = 'HIGHEST'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Average ``outputs`` in place over the ranks.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (dict, optional): The batch.
            outputs (dict, optional): The logged values of the step.

        Raises:
            RuntimeError: If the ranks log different names.
        """
        if not outputs or not is_distributed():
            return
        keys = list(outputs)
        sig = float(zlib.crc32('\0'.join(keys).encode()))
        bounds = torch.tensor([sig, -sig], dtype=torch.float64)
        all_reduce(bounds, op='max')
        if bounds[0].item() != sig or -bounds[1].item() != sig:
            raise RuntimeError(
                f'RankAveragedLossHook: rank {get_rank()} logs {keys} but '
                f'another rank logs different names at iteration '
                f'{runner.iter + 1}; every rank must return the same loss '
                f'terms (check task-dependent or data-dependent losses)')
        values = torch.tensor([
            float(v.detach().float().mean()) if isinstance(
                v, torch.Tensor) else float(v) for v in outputs.values()
        ],
                              dtype=torch.float64)
        all_reduce(values, op='mean')
        for k, v in zip(keys, values.tolist()):
            old = outputs[k]
            if isinstance(old, torch.Tensor):
                outputs[k] = torch.tensor(v, dtype=old.dtype,
                                          device=old.device)
            else:
                outputs[k] = v
