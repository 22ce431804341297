# Copyright (c) mmbin contributors. All rights reserved.
"""Which benchmark rows are headline rows, which comparisons the report
tests across seeds, and the budget groups the methods run in.

Headline rows run every seed of the preset and carry the claims of the
papers (FP single-task and multi-task models, the narrow FP model, the
plain binary model, Bi-MTDP and its IB / KD ablations); every other row is
exploratory: it runs the preset's first seed unless asked otherwise and is
labelled so.

A budget group is a teacher or step-1 checkpoint plus what depends on it,
sized to run in one sitting of a few hours on the 2-core CPU
(``--group NAME``); each is resumable.
"""
from typing import Dict, List, Tuple

from .methods import METHODS, get_method

#: The headline rows (every seed).
HEADLINE_METHODS: Tuple[str, ...] = ('fp_seg', 'fp_depth', 'fp_normal',
                                     'fp_edge', 'fp_mt', 'fp_mt_narrow',
                                     'bin_reactnet', 'bimtdp',
                                     'bimtdp_no_ib', 'bimtdp_no_kd',
                                     'bimtdp_no_ib_no_kd')

#: Paired comparisons of the report: (A, B, question); Δm(A) - Δm(B) per
#: seed, its mean and 95 % t-interval.
HEADLINE_COMPARISONS: Tuple[Tuple[str, str, str], ...] = (
    ('fp_mt', 'bin_reactnet', 'cost of binarization (FP vs plain binary)'),
    ('bin_reactnet', 'fp_mt_narrow',
     'binary vs an FP network of the same OPs'),
    ('bimtdp', 'bin_reactnet', 'Bi-MTDP vs plain binary from scratch'),
    ('bimtdp', 'bimtdp_no_ib_no_kd',
     'IB + KD (Bi-MTDP vs plain binary, both FP-initialised)'),
    ('bimtdp', 'bimtdp_no_ib', 'the IB neck (Bi-MTDP vs without IB)'),
    ('bimtdp', 'bimtdp_no_kd', 'distillation (Bi-MTDP vs without KD)'),
)

#: Budget groups in running order: name -> (methods, what it is).
BUDGET_GROUPS: Dict[str, Tuple[Tuple[str, ...], str]] = {
    'baselines': (('fp_seg', 'fp_depth', 'fp_normal', 'fp_edge'),
                  'the four FP single-task models (the Δm reference)'),
    'teacher': (('fp_mt', 'bimtdp', 'bimtdp_no_ib'),
                'the FP multi-task model and the students it teaches'),
    'fp_init': (('bimtdp_no_kd', 'bimtdp_no_ib_no_kd'),
                'the headline rows initialised from fp_mt without '
                'distillation'),
    'binary': (('bin_reactnet', 'fp_mt_narrow'),
               'the headline rows without a teacher'),
    'recipe': (('bimtdp_no_fp_init', 'bimtdp_two_stage',
                'bimtdp_feat_pred_kd'),
               "ablations of Bi-MTDP's training recipe (exploratory)"),
    'crosstalk': (('fp_mt_c', 'bimtdp_c'),
                  'Bi-MTDP-C and its FP teacher (exploratory)'),
    'binarizers': (('bin_bnn', 'bin_xnor', 'bin_bireal', 'bin_bidense'),
                   'the binarizer comparison (exploratory)'),
    'balancing_fp': (('fp_mt_uw', 'fp_mt_dwa', 'fp_mt_gradnorm'),
                     'automatic task balancing of the FP multi-task model '
                     '(exploratory; fixed weights: fp_mt)'),
    'balancing_binary': (('bimtdp_uw', 'bimtdp_dwa', 'bimtdp_gradnorm'),
                         'automatic task balancing of Bi-MTDP '
                         '(exploratory; fixed weights: bimtdp)'),
    'sharing': (('share_step1_seg', 'share_step1_depth',
                 'share_step1_normal', 'share_step1_edge', 'share_step2',
                 'share_weights', 'share_full'),
                'the computation-sharing chain (exploratory)'),
}


def tier(name: str) -> str:
    """``'headline'`` or ``'exploratory'`` for the method ``name``."""
    return 'headline' if name in HEADLINE_METHODS else 'exploratory'


def group_methods(group: str) -> List[str]:
    """The methods of a budget group.

    Raises:
        KeyError: Naming the known groups.
    """
    if group not in BUDGET_GROUPS:
        raise KeyError(f'unknown benchmark group {group!r}; known: '
                       f'{", ".join(BUDGET_GROUPS)}')
    return list(BUDGET_GROUPS[group][0])


def group_of(name: str) -> str:
    """The budget group of the method ``name`` (``'other'`` if none, e.g. a
    row added later without a group)."""
    get_method(name)
    for group, (names, _) in BUDGET_GROUPS.items():
        if name in names:
            return group
    return 'other'


def ungrouped_methods() -> List[str]:
    """Methods of :data:`~.methods.METHODS` in no budget group (they run
    with ``--group other``)."""
    grouped = {n for names, _ in BUDGET_GROUPS.values() for n in names}
    return [m.name for m in METHODS if m.name not in grouped]
