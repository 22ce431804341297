# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark presets: data, schedule length and measurement settings."""
from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class BenchmarkPreset:
    """One benchmark protocol.

    Args:
        name (str): Preset name.
        description (str): One line for the report.
        config_family (str): Which config of each method to use:
            ``'synthetic'`` or ``'nyud'`` (see
            :class:`~mmbin.benchmark.methods.BenchmarkMethod`).
        data_root (str, optional): Dataset root; ``None`` keeps the
            configs' own (``data/NYUD_MT`` for ``full``).
        synthetic (dict, optional): Arguments of
            :func:`mmbin.datasets.generate_synthetic_nyud` used to create
            ``data_root`` when it is missing (``num_train``, ``num_val``,
            ``size``); ``None`` for real data, which must exist.
        input_size (tuple[int, int], optional): ``(H, W)`` the networks see
            (resize scale and crop of the pipelines); ``None`` keeps the
            configs'.
        complexity_size (tuple[int, int]): ``(H, W)`` of the OPs count.
        iters (dict, optional): Training iterations per
            ``BenchmarkMethod.iters_key`` (``main``, ``finetune``); ``None``
            keeps every config's own schedule.
        checkpoint_interval (int, optional): Checkpoint every so many
            iterations (resumption points); ``None`` keeps the configs'.
        log_interval (int): Logger interval (training time per iteration
            is read from these logs).
        latency_warmup (int): Untimed inference runs before timing.
        latency_runs (int): Timed inference runs (the median is reported).
        num_workers (int): Data loader workers (0 keeps loading in the main
            process, which the determinism guarantee relies on).
        seeds (tuple[int, ...]): Seeds of the headline rows (exploratory
            rows run the first); ``--seeds`` overrides.
        multi_seed_methods (tuple[str, ...], optional): Rows that run every
            seed; ``None``: the headline rows
            (:data:`~mmbin.benchmark.tiers.HEADLINE_METHODS`).
        val_interval (int, optional): Validate every so many iterations
            while training (the learning curve); ``None``: no validation
            while training.
    """
    name: str
    description: str
    config_family: str
    data_root: Optional[str]
    synthetic: Optional[dict]
    input_size: Optional[Tuple[int, int]]
    complexity_size: Tuple[int, int]
    iters: Optional[Dict[str, int]]
    checkpoint_interval: Optional[int]
    log_interval: int
    latency_warmup: int
    latency_runs: int
    num_workers: int = 0
    seeds: Tuple[int, ...] = (0, )
    multi_seed_methods: Optional[Tuple[str, ...]] = None
    val_interval: Optional[int] = None

    @property
    def test_split(self) -> Optional[str]:
        """``ann_file`` of the held-out test split, or ``None`` when the
        preset tests on the validation split (no generated test split)."""
        if self.synthetic and self.synthetic.get('num_test'):
            return 'gt_sets/test.txt'
        return None


def _synthetic_preset(name: str,
                      description: str,
                      data_root: str,
                      scenes: Tuple[int, ...],
                      size: Tuple[int, int],
                      iters: Tuple[int, int],
                      log_interval: int,
                      latency: Tuple[int, int],
                      checkpoint_interval: int,
                      seeds: Tuple[int, ...] = (0, ),
                      multi_seed_methods: Optional[Tuple[str, ...]] = None,
                      val_interval: Optional[int] = None,
                      difficulty: Optional[dict] = None) -> BenchmarkPreset:
    """A preset on the generated NYUD stand-in, whose networks see images
    of the generated size (also the size the OPs are counted at).

    Args:
        name (str): Preset name.
        description (str): One line for the report.
        data_root (str): Where the data set is generated.
        scenes (tuple[int, ...]): Training and validation scenes, and
            optionally held-out test scenes (generated with seeds of their
            own; reported numbers then come from them).
        size (tuple[int, int]): ``(H, W)`` of the scenes.
        iters (tuple[int, int]): Iterations of the ``main`` and the
            ``finetune`` schedule.
        log_interval (int): Logger interval.
        latency (tuple[int, int]): Untimed and timed inference runs.
        checkpoint_interval (int): Checkpoint interval.
        seeds, multi_seed_methods, val_interval: See
            :class:`BenchmarkPreset`.
        difficulty (dict, optional): Image difficulty of the generated
            scenes (:func:`mmbin.datasets.synthetic.difficulty.
            parse_difficulty`); ``None``: off.

    Returns:
        BenchmarkPreset: The preset.
    """
    synthetic = dict(num_train=scenes[0], num_val=scenes[1], size=size)
    if len(scenes) > 2:
        synthetic['num_test'] = scenes[2]
    if difficulty:
        synthetic['difficulty'] = dict(difficulty)
    return BenchmarkPreset(
        name=name,
        description=description,
        config_family='synthetic',
        data_root=data_root,
        synthetic=synthetic,
        input_size=size,
        complexity_size=size,
        iters=dict(main=iters[0], finetune=iters[1]),
        checkpoint_interval=checkpoint_interval,
        log_interval=log_interval,
        latency_warmup=latency[0],
        latency_runs=latency[1],
        seeds=tuple(seeds),
        multi_seed_methods=multi_seed_methods,
        val_interval=val_interval)


#: Convergence protocol of the cpu-conv and cpu-hard presets (2-core CPU):
#: scenes (train, val, held-out test), iterations (main, finetune).
_CONV_SCENES = (800, 100, 300)
_CONV_ITERS = (3200, 800)
#: Provisional image difficulty of cpu-hard; to be chosen on the validation
#: split from the FP-vs-plain-binary gap only, then frozen.
_HARD_DIFFICULTY = dict(texture=0.6, shadows=0.5, noise=0.4, blur=0.4)


PRESETS: Dict[str, BenchmarkPreset] = dict(
    smoke=_synthetic_preset(
        'smoke', 'a few iterations per method on a tiny generated set '
        '(keeps the benchmark working; the numbers mean nothing)',
        'data/synthetic_nyud_bench_smoke', scenes=(16, 4, 4),
        size=(48, 64), iters=(2, 2), log_interval=1, latency=(1, 3),
        checkpoint_interval=1, seeds=(0, 1),
        multi_seed_methods=('fp_mt', 'bin_reactnet'), val_interval=1),
    cpu=_synthetic_preset(
        'cpu', 'CPU schedule on the synthetic NYUD stand-in '
        '(400 train / 50 val scenes, 96x128)', 'data/synthetic_nyud_bench',
        scenes=(400, 50), size=(96, 128), iters=(600, 150),
        log_interval=20, latency=(5, 30), checkpoint_interval=200),
    **{
        'cpu-conv':
        _synthetic_preset(
            'cpu-conv', 'convergence protocol on the synthetic NYUD stand-in '
            '(800 train / 100 val / 300 held-out test scenes, 96x128, '
            '3200 iterations, 5 seeds for the headline rows)',
            'data/synthetic_nyud_bench_conv', scenes=_CONV_SCENES,
            size=(96, 128), iters=_CONV_ITERS, log_interval=20,
            latency=(5, 30), checkpoint_interval=400, seeds=(0, 1, 2, 3, 4),
            val_interval=400),
        'cpu-hard':
        _synthetic_preset(
            'cpu-hard', 'cpu-conv on harder images (texture variety, cast '
            'shadows, sensor noise and blur; provisional levels)',
            'data/synthetic_nyud_bench_hard', scenes=_CONV_SCENES,
            size=(96, 128), iters=_CONV_ITERS, log_interval=20,
            latency=(5, 30), checkpoint_interval=400, seeds=(0, 1, 2, 3, 4),
            val_interval=400, difficulty=_HARD_DIFFICULTY),
    },
    full=BenchmarkPreset(
        name='full',
        description='the NYUD-v2 configs with their own (paper-scale) '
        'schedules; for machines with a GPU',
        config_family='nyud',
        data_root=None,
        synthetic=None,
        input_size=None,
        complexity_size=(480, 640),
        iters=None,
        checkpoint_interval=None,
        log_interval=50,
        latency_warmup=5,
        latency_runs=30,
        num_workers=4),
)


def get_preset(name: str) -> BenchmarkPreset:
    """The preset called ``name``.

    Raises:
        KeyError: Naming the known presets.
    """
    if name not in PRESETS:
        raise KeyError(f'unknown benchmark preset {name!r}; known: '
                       f'{", ".join(PRESETS)}')
    return PRESETS[name]
