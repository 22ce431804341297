# Copyright (c) mmbin contributors. All rights reserved.
"""The methods that the benchmark trains and compares, in training order.

Every method is an ordinary config file of ``configs/`` (a synthetic twin for
the CPU presets, the NYUD-v2 config for ``full``); the benchmark only links
methods that read another one's checkpoint (the distillation teacher, the
steps of computation sharing) and applies the preset's protocol on top
(:mod:`mmbin.benchmark.protocol`).
"""
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

#: Task of each single-task baseline method (delta-m reference: its
#: headline metric, :data:`mmbin.evaluation.task_metrics.NYUD_HEADLINE`).
SINGLE_TASK_BASELINES: Dict[str, str] = {
    'fp_seg': 'seg',
    'fp_depth': 'depth',
    'fp_normal': 'normal',
    'fp_edge': 'edge',
}


@dataclass(frozen=True)
class BenchmarkMethod:
    """One trained model of the benchmark.

    Args:
        name (str): Row id and work-directory name.
        label (str): Name in tables and plots.
        group (str): Family (colour in the plots).
        configs (dict): Config file per config family: ``'synthetic'``
            (presets smoke and cpu) and ``'nyud'`` (preset full).
        teacher (str, optional): Method whose checkpoint and config are the
            distillation teacher (``custom_hooks`` ``BiMTDPDistillHook``)
            and the source of the FP initialisation (``FPInitHook``).
        single_task_init (dict, optional): Computation sharing step 2: task
            to the method that trained it alone.
        previous_step (str, optional): Computation sharing, later steps: the
            method of the previous step.
        iters_key (str): ``'main'`` (the preset's training length) or
            ``'finetune'`` (the shorter length of sharing steps 2 and 3).
        row (bool): Whether the method is a row of the table (intermediate
            sharing steps are not).
        sharing (bool): A ``SharedMultiTaskEncoderDecoder``: OPs are its
            effective MACs from ``tools/analysis/sharing_report.py``.
        binary (bool): A binary network: the benchmark logs its training
            health (``BinaryHealthHook``) into the result.
    """
    name: str
    label: str
    group: str
    configs: Dict[str, str] = field(default_factory=dict)
    teacher: Optional[str] = None
    single_task_init: Optional[Dict[str, str]] = None
    previous_step: Optional[str] = None
    iters_key: str = 'main'
    row: bool = True
    sharing: bool = False
    binary: bool = False

    @property
    def needs(self) -> List[str]:
        """list[str]: Methods whose results this one reads."""
        deps = []
        if self.teacher:
            deps.append(self.teacher)
        if self.single_task_init:
            deps.extend(self.single_task_init.values())
        if self.previous_step:
            deps.append(self.previous_step)
        return deps


def _pair(name: str, folder: str = 'bimtdp') -> Dict[str, str]:
    return dict(
        synthetic=f'configs/{folder}/synthetic_{name}.py',
        nyud=f'configs/{folder}/nyud_{name}.py')


_TASK_NAMES = dict(
    seg='semantic seg.', depth='depth', normal='normals', edge='boundaries')

#: The binary multi-task models without Bi-MTDP's parts: method, binarizer
#: (label) and config (``configs/bimtdp/{synthetic,nyud}_<config>.py``).
_BINARY_MT = (
    ('bin_reactnet', 'ReActNet', 'r18_no_ib_no_kd'),
    ('bin_bnn', 'BNN', 'r18_binary_bnn'),
    ('bin_xnor', 'XNOR', 'r18_binary_xnor'),
    ('bin_bireal', 'Bi-Real', 'r18_binary_bireal'),
    ('bin_bidense', 'BiDense', 'r18_binary_bidense'),
)

#: Ablations of Bi-MTDP's training recipe (teacher and FP-initialisation
#: source ``fp_mt``): method, label, config
#: (``configs/bimtdp/{synthetic,nyud}_<config>.py``).
_BIMTDP_RECIPE = (
    ('bimtdp_no_ib_no_kd', 'Bi-MTDP without IB and KD (FP-initialised '
     'ReActNet)', 'r18_no_ib_no_kd_fp_init'),
    ('bimtdp_no_fp_init', 'Bi-MTDP from scratch (no FP initialisation)',
     'r18_no_fp_init'),
    ('bimtdp_two_stage', 'Bi-MTDP, two-stage', 'r18_two_stage'),
    ('bimtdp_feat_pred_kd', 'Bi-MTDP, feature + prediction KD',
     'r18_feat_pred_kd'),
)

#: Automatic task balancing (exploratory rows against the fixed weights of
#: ``fp_mt`` and ``bimtdp``): config suffix and label.
_BALANCERS = (
    ('uw', 'uncertainty weighting'),
    ('dwa', 'dynamic weight averaging'),
    ('gradnorm', 'GradNorm'),
)

#: The computation-sharing rows, each fine-tuned from the previous step:
#: method, label, config (``configs/sharing/{synthetic,nyud}_<config>.py``)
#: and the method it starts from.
_SHARING_ROWS = (
    ('share_weights', 'sharing: weight deltas (fixed mask)',
     'r18_step2_fixmask', 'share_step2'),
    ('share_full', 'sharing: weight + activation deltas', 'r18_step3',
     'share_weights'),
)

METHODS: Tuple[BenchmarkMethod, ...] = tuple(
    [
        BenchmarkMethod(
            f'fp_{t}',
            f'FP single-task: {_TASK_NAMES[t]}',
            'FP single-task',
            configs=_pair(f'r18_fp_{t}', 'mtdp')) for t in _TASK_NAMES
    ] + [
        BenchmarkMethod(
            'fp_mt',
            'FP multi-task',
            'FP multi-task',
            configs=_pair('r18_fp', 'mtdp')),
        BenchmarkMethod(
            'fp_mt_narrow',
            'FP multi-task, narrow (binary OPs)',
            'FP multi-task',
            configs=_pair('r18_fp_narrow', 'mtdp')),
        BenchmarkMethod(
            'bimtdp',
            'Bi-MTDP (ReActNet, IB, KD)',
            'Bi-MTDP',
            configs=_pair('r18'),
            teacher='fp_mt',
            binary=True),
        BenchmarkMethod(
            'bimtdp_no_ib',
            'Bi-MTDP without IB',
            'Bi-MTDP ablation',
            configs=_pair('r18_no_ib'),
            teacher='fp_mt',
            binary=True),
        BenchmarkMethod(
            'bimtdp_no_kd',
            'Bi-MTDP without KD',
            'Bi-MTDP ablation',
            configs=_pair('r18_no_kd'),
            teacher='fp_mt',  # FP initialisation only
            binary=True),
    ] + [
        BenchmarkMethod(
            name,
            label,
            'Bi-MTDP ablation',
            configs=_pair(config),
            teacher='fp_mt',
            binary=True) for name, label, config in _BIMTDP_RECIPE
    ] + [
        BenchmarkMethod(
            'fp_mt_c',
            'FP multi-task, cross-talk',
            'FP multi-task',
            configs=_pair('r18_fp_c', 'mtdp')),
        BenchmarkMethod(
            'bimtdp_c',
            'Bi-MTDP-C (cross-talk)',
            'Bi-MTDP',
            configs=_pair('r18_c'),
            teacher='fp_mt_c',
            binary=True),
    ] + [
        BenchmarkMethod(
            f'fp_mt_{b}',
            f'FP multi-task, {label}',
            'task balancing',
            configs=_pair(f'r18_fp_{b}', 'mtdp')) for b, label in _BALANCERS
    ] + [
        BenchmarkMethod(
            f'bimtdp_{b}',
            f'Bi-MTDP, {label}',
            'task balancing',
            configs=_pair(f'r18_{b}'),
            teacher='fp_mt',
            binary=True) for b, label in _BALANCERS
    ] + [
        BenchmarkMethod(
            name,
            f'binary MT: {label}',
            'binary multi-task',
            configs=_pair(config),
            binary=True) for name, label, config in _BINARY_MT
    ] + [
        BenchmarkMethod(
            f'share_step1_{t}',
            f'sharing step 1: {_TASK_NAMES[t]}',
            'computation sharing',
            configs=_pair(f'r18_step1_{t}', 'sharing'),
            row=False) for t in _TASK_NAMES
    ] + [
        BenchmarkMethod(
            'share_step2',
            'sharing step 2: weight deltas (L0)',
            'computation sharing',
            configs=_pair('r18_step2', 'sharing'),
            single_task_init={t: f'share_step1_{t}'
                              for t in _TASK_NAMES},
            iters_key='finetune',
            row=False,
            sharing=True),
    ] + [
        BenchmarkMethod(
            name,
            label,
            'computation sharing',
            configs=_pair(config, 'sharing'),
            previous_step=previous,
            iters_key='finetune',
            sharing=True) for name, label, config, previous in _SHARING_ROWS
    ])


def get_method(name: str) -> BenchmarkMethod:
    """The method called ``name``.

    Raises:
        KeyError: Naming the known methods.
    """
    for m in METHODS:
        if m.name == name:
            return m
    raise KeyError(f'unknown benchmark method {name!r}; known: '
                   f'{", ".join(m.name for m in METHODS)}')


def select_methods(names: Optional[Iterable[str]] = None
                   ) -> List[BenchmarkMethod]:
    """Methods to run, with everything they need, in training order.

    Args:
        names (Iterable[str], optional): Requested method names; ``None``
            selects all. The single-task baselines are always added, since
            delta-m is computed against them, as is every method whose
            checkpoint a requested one reads (teacher, earlier sharing
            steps).

    Returns:
        list[BenchmarkMethod]: The closure, in the order of :data:`METHODS`.
    """
    if names is None:
        return list(METHODS)
    wanted = set(SINGLE_TASK_BASELINES)
    stack = list(names)
    while stack:
        method = get_method(stack.pop())
        if method.name in wanted:
            continue
        wanted.add(method.name)
        stack.extend(method.needs)
    return [m for m in METHODS if m.name in wanted]
