# Copyright (c) mmbin contributors. All rights reserved.
"""Distillation hook of Bi-MTDP: attaches a frozen full-precision teacher to
the student and schedules the distillation losses."""
import copy
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.config import Config, ConfigDict
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop
from mmengine.runner.checkpoint import find_latest_checkpoint
from mmseg.registry import HOOKS, MODELS

from mmbin.utils.checkpoint import (DamagedCheckpointError,
                                    UnsafeCheckpointError)
from mmbin.utils.checkpoint_loading import (CheckpointMismatchError,
                                            load_checkpoint_checked)

__all__ = ['BiMTDPDistillHook']

_REPO_ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


@HOOKS.register_module()
class BiMTDPDistillHook(Hook):
    """Build the full-precision teacher before training and drive the
    distillation schedule (the backward-path fix of Bi-MTDP).

    Before the first training iteration the hook

    1. reads the teacher's config (``teacher_config``: a config file, or a
       model config dict) and builds its ``model``;
    2. loads ``teacher_checkpoint`` (a ``.pth`` file, or a work directory:
       its latest checkpoint) through mmbin's checked loader
       (:func:`mmbin.utils.load_checkpoint_checked`, hence mmbin's safe
       loader) with ``strict=True``; the error says what is wrong with the
       file: missing, damaged, unsafe, or written for another architecture
       (with the first mismatching tensors);
    3. freezes it (``requires_grad=False``, ``eval()``), moves it to the
       student's device and attaches it with ``student.set_teacher``, which
       keeps it out of the student's ``state_dict``, optimizer (built before
       this hook runs, from the student's own parameters) and DDP wrapper;
    4. runs student and teacher once on a small dummy batch and evaluates
       the distillation terms, so that a teacher whose features or tasks do
       not fit ``model.distill_loss`` stops training before it starts.

    Every iteration it sets ``student.kd_scale``: a linear ramp from
    ``1 / warmup_iters`` to 1 over the first ``warmup_iters`` iterations,
    then 1, and 0 from ``stop_iter`` on (the teacher is then not run). The
    scale is a function of ``runner.iter`` alone, so ``--resume`` continues
    the schedule where it stopped. The loss weights of each term are in
    ``model.distill_loss`` (:class:`~mmbin.models.losses.
    MultiTaskDistillLoss`).

    Args:
        teacher_config (str | dict): Teacher config file (relative to the
            working directory, the student's config or the repository
            root), or a model config dict.
        teacher_checkpoint (str): Teacher checkpoint file or work
            directory.
        warmup_iters (int): Length of the linear warm-up. Defaults to 0.
        stop_iter (int, optional): Iteration from which distillation is
            off. Defaults to None (never).
        check_inputs (bool): Compare the teacher's and the student's input
            normalisation. Defaults to True.
        dry_run_size (tuple[int, int]): Size of the dummy batch of the
            compatibility check; ``None`` skips the check. Defaults to
            ``(64, 64)``.

    References:
        - Shang et al., "Efficient Multitask Dense Predictor via
          Binarization", CVPR 2024. https://arxiv.org/abs/2405.14136
          (the code link of the paper, https://github.com/42Shawn/BiMTDP,
          held only a README when this was written)
    """

    priority = 'NORMAL'

    def __init__(
        self,
        teacher_config: Union[str, dict],
        teacher_checkpoint: str,
        warmup_iters: int = 0,
        stop_iter: Optional[int] = None,
        check_inputs: bool = True,
        dry_run_size: Optional[tuple] = (64, 64)
    ) -> None:
        if warmup_iters < 0:
            raise ValueError(f'BiMTDPDistillHook: warmup_iters must be >= 0, '
                             f'got {warmup_iters}')
        if stop_iter is not None and stop_iter < 0:
            raise ValueError(f'BiMTDPDistillHook: stop_iter must be >= 0 or '
                             f'None, got {stop_iter}')
        self.teacher_config = teacher_config
        self.teacher_checkpoint = teacher_checkpoint
        self.warmup_iters = int(warmup_iters)
        self.stop_iter = stop_iter
        self.check_inputs = check_inputs
        self.dry_run_size = dry_run_size
        self.teacher = None

    # ------------------------------------------------------------------
    def scale_at(self, it: int) -> float:
        """Distillation scale at (0-based) iteration ``it``.

        Args:
            it (int): Iteration about to run.

        Returns:
            float: In ``[0, 1]``.
        """
        if self.stop_iter is not None and it >= self.stop_iter:
            return 0.
        if self.warmup_iters > 0 and it < self.warmup_iters:
            return float(it + 1) / self.warmup_iters
        return 1.

    @staticmethod
    def _student(runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        return model

    def _hook_index(self, runner) -> str:
        """Position of this hook in ``custom_hooks`` for messages."""
        for i, cfg in enumerate(runner.cfg.get('custom_hooks', []) or []):
            if cfg.get('type') in ('BiMTDPDistillHook',
                                   'mmseg.BiMTDPDistillHook'):
                return str(i)
        return 'N'

    def _teacher_config_path(self, runner) -> str:
        path = self.teacher_config
        candidates = [path]
        cfg_file = getattr(runner.cfg, 'filename', None)
        if cfg_file:
            candidates.append(osp.join(osp.dirname(cfg_file), path))
        candidates.append(osp.join(_REPO_ROOT, path))
        for cand in candidates:
            if osp.isfile(cand):
                return cand
        raise FileNotFoundError(
            f'BiMTDPDistillHook: teacher_config {path!r} not found (looked '
            f'in {candidates}). Set custom_hooks.{self._hook_index(runner)}'
            '.teacher_config to the full-precision teacher config, e.g. '
            'configs/mtdp/nyud_r18_fp.py.')

    def _load_teacher_model_cfg(self, runner) -> ConfigDict:
        if isinstance(self.teacher_config, (dict, ConfigDict)):
            cfg = ConfigDict(copy.deepcopy(dict(self.teacher_config)))
            return cfg.get('model', cfg)
        path = self._teacher_config_path(runner)
        self._teacher_config_file = path
        cfg = Config.fromfile(path)
        if 'model' not in cfg:
            raise KeyError(f'BiMTDPDistillHook: teacher config {path} has '
                           'no `model`')
        return cfg.model

    def _train_hint(self, runner) -> str:
        cfg_name = getattr(self, '_teacher_config_file',
                           'configs/mtdp/<teacher config>.py')
        work_dir = self.teacher_checkpoint if not str(
            self.teacher_checkpoint).endswith('.pth') else osp.dirname(
                self.teacher_checkpoint)
        return (f'Train the full-precision teacher first:\n'
                f'    python tools/train.py {cfg_name} --work-dir '
                f'{work_dir or "<dir>"}\n'
                'then point the hook at its checkpoint (a .pth file or the '
                'work directory):\n'
                f'    --cfg-options custom_hooks.{self._hook_index(runner)}'
                '.teacher_checkpoint=<path>')

    def _resolve_checkpoint(self, runner) -> str:
        path = osp.expanduser(str(self.teacher_checkpoint))
        if osp.isdir(path):
            found = find_latest_checkpoint(path)
            if found is not None and not osp.isfile(found):
                raise FileNotFoundError(
                    f'BiMTDPDistillHook: teacher_checkpoint {path!r}: its '
                    f'last_checkpoint names {found!r}, which does not exist.'
                    ' Point teacher_checkpoint at an existing .pth file of '
                    f'that directory.\n{self._train_hint(runner)}')
            if found is None:
                raise FileNotFoundError(
                    f'BiMTDPDistillHook: teacher_checkpoint {path!r} is a '
                    'directory without a checkpoint (no last_checkpoint / '
                    f'*.pth).\n{self._train_hint(runner)}')
            return found
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'BiMTDPDistillHook: teacher checkpoint {path!r} does not '
                f'exist.\n{self._train_hint(runner)}')
        return path

    # ------------------------------------------------------------------
    def before_run(self, runner) -> None:
        """Fail fast: in a training run, check that the teacher's config and
        checkpoint exist before the runner initialises or loads weights
        (which may download pretrained backbones). Test-only runs (whose
        training loop is not built) need no teacher and are not checked."""
        if isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            if not isinstance(self.teacher_config, (dict, ConfigDict)):
                self._teacher_config_file = self._teacher_config_path(runner)
            self._resolve_checkpoint(runner)

    def before_train(self, runner) -> None:
        """Build, load, freeze and attach the teacher; check it fits."""
        student = self._student(runner)
        if not hasattr(student, 'set_teacher') or getattr(
                student, 'distill_loss', None) is None:
            raise RuntimeError(
                'BiMTDPDistillHook needs a MultiTaskEncoderDecoder student '
                'with model.distill_loss set (the distillation terms and '
                f'their weights); got {type(student).__name__} '
                f'{"without distill_loss" if hasattr(student, "set_teacher") else ""}.'  # noqa: E501
                ' Add distill_loss to the model or remove the hook.')
        model_cfg = self._load_teacher_model_cfg(runner)
        ckpt = self._resolve_checkpoint(runner)
        teacher = MODELS.build(model_cfg)
        self._load_teacher(runner, teacher, ckpt)
        for p in teacher.parameters():
            p.requires_grad_(False)
        teacher.eval()
        device = next(student.parameters()).device
        teacher.to(device)
        if self.check_inputs:
            self._check_preprocessors(student, teacher)
        student.set_teacher(teacher)
        self.teacher = teacher
        if self.dry_run_size is not None:
            self._dry_run(student, teacher, device)
        runner.logger.info(
            f'BiMTDPDistillHook: teacher {type(teacher).__name__} from '
            f'{ckpt} attached (frozen, eval, {device}); distillation terms '
            f'{student.distill_loss.loss_names}, warm-up '
            f'{self.warmup_iters} iters, stop at {self.stop_iter}')

    def _load_teacher(self, runner, teacher, ckpt: str) -> None:
        """Load ``ckpt`` into ``teacher`` strictly; say what is wrong with
        the file when that fails."""
        try:
            load_checkpoint_checked(
                teacher, ckpt, strict=True, what='teacher checkpoint')
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f'BiMTDPDistillHook: {err}\n{self._train_hint(runner)}'
            ) from None
        except UnsafeCheckpointError as err:
            raise UnsafeCheckpointError(
                f'BiMTDPDistillHook: the teacher checkpoint is refused as '
                f'unsafe: {err}') from None
        except DamagedCheckpointError as err:
            raise DamagedCheckpointError(
                f'BiMTDPDistillHook: the teacher checkpoint is damaged: {err}'
                '\nPoint teacher_checkpoint at another checkpoint of the '
                'teacher (an earlier iter_<N>.pth of its work directory) or '
                f'train it again.\n{self._train_hint(runner)}') from None
        except CheckpointMismatchError as err:
            meta = getattr(err, 'meta', None) or {}
            origin = ''
            if meta.get('experiment_name'):
                origin = (' The file was written by the run '
                          f'{meta["experiment_name"]!r}.')
            teacher_cfg = getattr(self, '_teacher_config_file',
                                  self.teacher_config)
            raise CheckpointMismatchError(
                'BiMTDPDistillHook: the teacher checkpoint does not match '
                f'the teacher model of {teacher_cfg!r}; it was written for '
                f'another architecture. {err}{origin}\nSet teacher_config '
                'to the config that trained this checkpoint, or '
                'teacher_checkpoint to a checkpoint of that config.'
            ) from None

    @staticmethod
    def _check_preprocessors(student, teacher) -> None:
        for key in ('mean', 'std'):
            s = getattr(student.data_preprocessor, key, None)
            t = getattr(teacher.data_preprocessor, key, None)
            if s is None and t is None:
                continue
            if s is None or t is None or s.shape != t.shape or \
                    not torch.allclose(s.float().cpu(), t.float().cpu()):
                raise ValueError(
                    'BiMTDPDistillHook: the teacher normalises its inputs '
                    f'differently from the student (data_preprocessor.{key}:'
                    f' teacher {None if t is None else t.flatten().tolist()}'
                    f', student {None if s is None else s.flatten().tolist()}'
                    '); the teacher sees the student\'s normalised batch, so '
                    'use the same mean/std in both configs.')

    def _dry_run(self, student, teacher, device) -> None:
        h, w = self.dry_run_size
        x = torch.zeros(1, 3, h, w, device=device)
        was_training = student.training
        student.eval()
        try:
            with torch.no_grad():
                s_feats, _ = student.forward_features(x)
                t_feats, _ = teacher.forward_features(x)
                student.distill_loss(s_feats, t_feats, 1.0)
        except (KeyError, ValueError, IndexError, RuntimeError) as err:
            raise RuntimeError(
                'BiMTDPDistillHook: the teacher does not fit the student\'s '
                f'distillation terms (model.distill_loss): {err}') from err
        finally:
            student.train(was_training)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        """Set the distillation scale of this iteration."""
        student = self._student(runner)
        student.kd_scale = self.scale_at(runner.iter)
        if self.teacher is not None and self.teacher.training:
            self.teacher.eval()

    def after_train(self, runner) -> None:
        """Detach the teacher (frees its memory for testing)."""
        student = self._student(runner)
        if hasattr(student, 'set_teacher'):
            student.set_teacher(None)
        self.teacher = None
