# Copyright (c) mmbin contributors. All rights reserved.
"""A tiny MMEngine runner set-up for the checkpoint tests (not collected by
pytest): a linear model with IB-like training noise, a data set whose
pipeline draws from Python's, numpy's and torch's global generators (as
mmseg transforms do when ``num_workers=0``), and a metric."""
import random
import uuid

import numpy as np
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.hooks import CheckpointHook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset


class NoisyToyModel(BaseModel):
    """``y = w x + b`` with Gaussian noise on the input while training."""

    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.linear = nn.Linear(width, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs) if isinstance(inputs, list) else inputs
        if self.training:
            x = x + 0.1 * torch.randn_like(x)
        out = self.linear(x).squeeze(1)
        if mode == 'loss':
            target = torch.stack(data_samples) if isinstance(
                data_samples, list) else data_samples
            return dict(loss=((out - target)**2).mean())
        return [o for o in out]


class AugmentedToyDataset(Dataset):
    """16 fixed samples, 'augmented' with the global generators."""

    METAINFO = dict(classes=('a', ))

    def __init__(self, width: int = 4, n: int = 16) -> None:
        g = torch.Generator().manual_seed(123)
        self.data = torch.randn(n, width, generator=g)
        self.label = torch.randn(n, generator=g)

    @property
    def metainfo(self):
        return self.METAINFO

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        jitter = random.random() * 0.01 + float(np.random.rand()) * 0.01
        x = self.data[i] + jitter + 0.01 * torch.rand(1)
        return dict(inputs=x, data_samples=self.label[i])


class ToyScore(BaseMetric):
    """Sum of the predictions (any change of the weights shows)."""

    def process(self, data_batch, data_samples):
        self.results += [float(p) for p in data_samples]

    def compute_metrics(self, results):
        return dict(score=float(np.sum(results)))


def toy_runner(work_dir, max_iters=6, interval=2, val_interval=2,
               checkpoint_hook=None, extra_hooks=None, resume=False,
               load_from=None, max_keep_ckpts=2, seed=0, model=None,
               save_best=None):
    """An iteration-based runner with checkpoints every ``interval``."""
    hooks = dict(
        checkpoint=checkpoint_hook or CheckpointHook(
            interval=interval, by_epoch=False,
            max_keep_ckpts=max_keep_ckpts, save_best=save_best))
    hooks.update(extra_hooks or {})
    loader = dict(
        dataset=AugmentedToyDataset(),
        sampler=dict(type='InfiniteSampler', shuffle=True),
        batch_size=2,
        num_workers=0,
        collate_fn=dict(type='default_collate'))
    val_loader = dict(
        dataset=AugmentedToyDataset(),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=4,
        num_workers=0,
        collate_fn=dict(type='default_collate'))
    if model is None:
        torch.manual_seed(seed)  # as if the runner built it after seeding
        model = NoisyToyModel()
    return Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=loader,
        val_dataloader=val_loader,
        val_evaluator=[ToyScore()],
        test_dataloader=val_loader,
        test_evaluator=[ToyScore()],
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        train_cfg=dict(
            by_epoch=False, max_iters=max_iters, val_interval=val_interval),
        val_cfg=dict(),
        test_cfg=dict(),
        default_hooks=hooks,
        randomness=dict(seed=seed),
        resume=resume,
        load_from=load_from,
        log_level='INFO',
        default_scope='mmseg',
        experiment_name=f'toy_{uuid.uuid4().hex}')
