# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark pieces: method selection, protocol, latency and report."""
import csv
import json
import os.path as osp

import cv2
import pytest
import torch
from torch import nn

from mmbin.benchmark import (BUDGET_GROUPS, HEADLINE_METHODS, METHODS,
                             BenchmarkError, BenchmarkMethod,
                             aggregate_records, baseline_metrics,
                             benchmark_table, build_method_config,
                             build_rows, comparisons, convergence,
                             get_preset, last_quarter_change, load_records,
                             mean_std, measure_latency, per_seed_delta_m,
                             plan_runs, plot_delta_m_vs_ops,
                             plot_learning_curves, plot_task_metrics,
                             read_health_curve, read_val_curve, report_text,
                             run_benchmark,
                             select_methods, train_seconds_per_iter,
                             write_csv, write_report)
from mmbin.benchmark.results import HEALTH_PREFIX
from mmbin.engine.hooks.binary_health_hook import PREFIX as HOOK_PREFIX
from mmbin.evaluation.task_metrics import NYUD_HEADLINE

BASELINES = ['fp_seg', 'fp_depth', 'fp_normal', 'fp_edge']


def test_methods_cover_the_issue():
    names = [m.name for m in METHODS]
    for n in BASELINES + [
            'fp_mt', 'bin_bnn', 'bin_xnor', 'bin_bireal', 'bin_reactnet',
            'bin_bidense', 'bimtdp', 'bimtdp_no_ib', 'bimtdp_no_kd',
            'share_full', 'fp_mt_uw', 'fp_mt_dwa', 'fp_mt_gradnorm',
            'bimtdp_uw', 'bimtdp_dwa', 'bimtdp_gradnorm',
            'bimtdp_no_ib_no_kd', 'bimtdp_no_fp_init', 'bimtdp_two_stage',
            'bimtdp_feat_pred_kd', 'fp_mt_c', 'bimtdp_c'
    ]:
        assert n in names
    # every method's dependencies come before it
    for i, m in enumerate(METHODS):
        for dep in m.needs:
            assert names.index(dep) < i, (m.name, dep)
    # every config file exists for both families
    for m in METHODS:
        for path in m.configs.values():
            assert osp.isfile(path), path


def test_select_methods_closure():
    sel = [m.name for m in select_methods(['bimtdp'])]
    assert sel == BASELINES + ['fp_mt', 'bimtdp']
    sel = [m.name for m in select_methods(['share_full'])]
    assert sel == BASELINES + [
        'share_step1_seg', 'share_step1_depth', 'share_step1_normal',
        'share_step1_edge', 'share_step2', 'share_weights', 'share_full'
    ]
    assert len(select_methods(None)) == len(METHODS)
    with pytest.raises(KeyError, match='unknown benchmark method .*fp_mt'):
        select_methods(['nope'])


def _iters(methods, preset):
    return {
        m.name: preset.iters[m.iters_key] if preset.iters else 1
        for m in methods
    }


def test_protocol_cpu_bimtdp(tmp_path):
    preset = get_preset('cpu')
    methods = select_methods(['bimtdp'])
    work = str(tmp_path)
    cfg = build_method_config(methods[-1], preset, work, seed=7,
                              max_iters=_iters(methods, preset))
    assert cfg.train_cfg.max_iters == 600
    assert cfg.train_cfg.val_begin == 601  # no validation while training
    assert cfg.param_scheduler[0]['end'] == 600
    assert cfg.randomness == dict(seed=7, deterministic=True)
    assert cfg.default_hooks.checkpoint.interval == 200
    assert cfg.work_dir == osp.join(work, 'bimtdp')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.data_root == 'data/synthetic_nyud_bench'
        assert cfg[loader].num_workers == 0
    hook = [h for h in cfg.custom_hooks
            if h['type'] == 'BiMTDPDistillHook'][0]
    assert hook['teacher_checkpoint'] == osp.join(work, 'fp_mt',
                                                  'iter_600.pth')
    assert hook['teacher_config'] == osp.join(work, 'configs', 'fp_mt.py')
    assert hook['warmup_iters'] == 50  # 50 of 600 kept


def test_protocol_smoke_scales_schedule_and_sizes(tmp_path):
    preset = get_preset('smoke')
    methods = select_methods(['bimtdp', 'share_full'])
    by_name = {m.name: m for m in methods}
    iters = _iters(methods, preset)
    cfg = build_method_config(by_name['bimtdp'], preset, str(tmp_path), 0,
                              data_root='/data/x', max_iters=iters)
    assert cfg.train_cfg.max_iters == 2
    assert cfg.param_scheduler[0]['end'] == 2
    hook = cfg.custom_hooks[0]
    assert hook['warmup_iters'] == 0  # round(50 * 2 / 600)
    train = cfg.train_dataloader.dataset.pipeline
    crops = [t for t in train if t['type'] == 'MultiTaskRandomCrop']
    assert crops[0]['crop_size'] == (48, 64)
    resizes = [t for t in train if t['type'] == 'RandomResize']
    assert resizes[0]['scale'] == (64, 48)
    test = cfg.test_dataloader.dataset.pipeline
    assert [t['scale'] for t in test
            if t['type'] == 'MultiTaskResize'] == [(64, 48)]
    assert cfg.test_dataloader.dataset.data_root == '/data/x'
    share = build_method_config(by_name['share_full'], preset,
                                str(tmp_path), 0, max_iters=iters)
    prev = share.model.init_from.previous_step
    assert prev.checkpoint == osp.join(str(tmp_path), 'share_weights',
                                       'iter_2.pth')
    step2 = build_method_config(by_name['share_step2'], preset,
                                str(tmp_path), 0, max_iters=iters)
    assert set(step2.model.init_from.single_task) == {
        'seg', 'depth', 'normal', 'edge'
    }
    assert step2.model.init_from.single_task.depth.config == osp.join(
        str(tmp_path), 'configs', 'share_step1_depth.py')


def test_protocol_errors(tmp_path):
    preset = get_preset('smoke')
    bimtdp = [m for m in METHODS if m.name == 'bimtdp'][0]
    with pytest.raises(ValueError, match="needs 'fp_mt'"):
        build_method_config(bimtdp, preset, str(tmp_path), 0, max_iters={})
    bad = tmp_path / 'epoch_sched.py'
    bad.write_text(
        f"_base_ = ['{osp.abspath('configs/mtdp/synthetic_r18_fp.py')}']\n"
        "param_scheduler = [dict(type='PolyLR', by_epoch=True, begin=0, "
        "end=600)]\n")
    m = BenchmarkMethod('x', 'x', 'g', configs=dict(synthetic=str(bad)))
    with pytest.raises(ValueError, match='epoch based'):
        build_method_config(m, preset, str(tmp_path), 0)
    missing = BenchmarkMethod(
        'y', 'y', 'g', configs=dict(synthetic='configs/nope.py'))
    with pytest.raises(FileNotFoundError, match='configs/nope.py'):
        build_method_config(missing, preset, str(tmp_path), 0)
    with pytest.raises(KeyError, match="no 'nyud' config"):
        build_method_config(m, get_preset('full'), str(tmp_path), 0)


class _CountingModel(nn.Module):

    def __init__(self):
        super().__init__()
        self.calls = 0

    def test_step(self, data):
        self.calls += 1
        return torch.zeros(1)


def test_measure_latency_counts_runs_and_restores_threads():
    model = _CountingModel()
    before = torch.get_num_threads()
    out = measure_latency(
        model, dict(inputs=[torch.zeros(3, 4, 4)]), warmup=2, runs=5,
        threads=1)
    assert model.calls == 7
    assert out['runs'] == 5 and out['threads'] == 1
    assert out['min_ms'] <= out['median_ms'] <= out['max_ms']
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match='batch size must be 1'):
        measure_latency(model, dict(inputs=[torch.zeros(3, 4, 4)] * 2))
    with pytest.raises(ValueError, match='runs >= 1'):
        measure_latency(model, dict(inputs=[torch.zeros(3, 4, 4)]), runs=0)


def _record(name, label, group, metrics, ops, row=True, **kw):
    rec = dict(
        name=name,
        label=label,
        group=group,
        row=row,
        iters=10,
        metrics=metrics,
        ops=ops,
        flops=ops,
        bops=0.0,
        params_fp=1e6,
        params_bin=0.0,
        memory_mb=4.0,
        train_s_per_iter=0.5,
        infer_ms=10.0,
        infer_threads=2,
        config='c.py',
        checkpoint='c.pth')
    rec.update(kw)
    return rec


def _results():
    return [
        _record('fp_seg', 'seg', 'FP single-task', {'seg/mIoU': 40.0}, 1e9),
        _record('fp_depth', 'depth', 'FP single-task', {'depth/rmse': 0.5},
                1e9),
        _record('fp_normal', 'normal', 'FP single-task',
                {'normal/mean': 20.0}, 1e9),
        _record('fp_edge', 'edge', 'FP single-task', {'edge/odsF': 60.0},
                1e9),
        _record(
            'fp_mt', 'FP MT', 'FP multi-task', {
                'seg/mIoU': 44.0,
                'depth/rmse': 0.55,
                'normal/mean': 20.0,
                'edge/odsF': 60.0,
                'seg/aAcc': 80.0
            }, 2e9),
        _record('share_step2', 'hidden', 'computation sharing', {}, None,
                row=False),
        _record(
            'bimtdp', 'Bi-MTDP', 'Bi-MTDP', {
                'seg/mIoU': 36.0,
                'depth/rmse': 0.6,
                'normal/mean': 22.0,
                'edge/odsF': 54.0
            },
            0.2e9,
            params_bin=9e6),
    ]


def test_build_rows_delta_m_and_sum():
    rows = build_rows(_results())
    names = [r['name'] for r in rows]
    assert names == BASELINES + ['fp_single_sum', 'fp_mt', 'bimtdp']
    by = {r['name']: r for r in rows}
    # (+10% mIoU, -10% rmse -> -10, 0, 0) / 4 = 0
    assert by['fp_mt']['delta_m'] == pytest.approx(0.0)
    # (-10, -20, -10, -10) / 4
    assert by['bimtdp']['delta_m'] == pytest.approx(-12.5)
    assert by['fp_seg']['delta_m'] is None
    s = by['fp_single_sum']
    assert s['delta_m'] == 0.0 and s['ops'] == pytest.approx(4e9)
    assert s['params_fp'] == pytest.approx(4e6)
    assert s['infer_ms'] == pytest.approx(40.0)
    assert s['metrics']['depth/rmse'] == 0.5
    # without all baselines there is no delta-m
    partial = build_rows(_results()[1:])
    assert {r['name']: r['delta_m'] for r in partial}['bimtdp'] is None


def test_table_csv_and_plots(tmp_path):
    rows = build_rows(_results())
    md = benchmark_table(rows)
    lines = md.splitlines()
    assert len(lines) == 2 + len(rows)
    # column titles, units and arrows come from the one metric table
    assert lines[0].startswith('| method | n | mIoU ↑ | RMSE (m) ↓ | '
                               'mErr (°) ↓ | odsF ↑ | Δm (%) ↑ |')
    assert [m.key for m in NYUD_HEADLINE] == [
        'seg/mIoU', 'depth/rmse', 'normal/mean', 'edge/odsF'
    ]
    assert ('| Bi-MTDP | - | 36.00 | 0.600 | 22.00 | 54.00 | -12.50 | '
            '0.200 |') in md
    assert '| seg | - | 40.00 | - | - | - | - |' in md
    fields = write_csv(rows, str(tmp_path / 'r.csv'))
    with open(tmp_path / 'r.csv') as f:
        table = list(csv.DictReader(f))
    assert len(table) == len(rows)
    assert 'seg/aAcc' in fields and 'train_s_per_iter' in fields
    assert float(table[-1]['delta_m']) == pytest.approx(-12.5)
    assert float(table[-1]['params_bin']) == 9e6
    n = plot_delta_m_vs_ops(rows, str(tmp_path / 'dm.png'), 'title')
    assert n == 3  # single-task sum, FP MT, Bi-MTDP
    bars = plot_task_metrics(rows, str(tmp_path / 'bars.png'))
    assert bars == 3 * 4
    for name in ('dm.png', 'bars.png'):
        img = cv2.imread(str(tmp_path / name))
        assert img is not None and img.shape[0] > 300 and img.shape[1] > 500


def _curve(dm_points):
    """A validation curve of a multi-task row whose metrics equal the
    baselines' (Δm 0) except mIoU, set to give the wanted Δm."""
    return [
        {'iter': it, 'seg/mIoU': 40.0 * (1 + 4 * dm / 100),
         'depth/rmse': 0.5, 'normal/mean': 20.0, 'edge/odsF': 60.0}
        for it, dm in dm_points
    ]


def test_report_files_from_result_json(tmp_path):
    preset = get_preset('smoke')
    res = str(tmp_path / 'results')
    methods = select_methods(None)
    assert write_report(res, preset, methods) is None  # nothing yet
    assert not osp.exists(osp.join(res, 'results.md'))
    base_curve = {
        'fp_seg': {'seg/mIoU': 40.0}, 'fp_depth': {'depth/rmse': 0.5},
        'fp_normal': {'normal/mean': 20.0}, 'fp_edge': {'edge/odsF': 60.0}}
    for rec in _results():
        rec['seed'] = 0
        if rec['name'] in base_curve:
            rec['val_curve'] = [dict(iter=10, **base_curve[rec['name']])]
        if rec['name'] == 'bimtdp':
            rec['tier'] = 'headline'
            # last quarter (>= 7.5 of 10 iterations): Δm -12.4, -12.0
            rec['val_curve'] = _curve([(5, -20.0), (8, -12.4), (10, -12.0)])
        result_path = tmp_path / 'results' / rec['name'] / 'seed0.json'
        result_path.parent.mkdir(parents=True)
        result_path.write_text(json.dumps(rec))
    # seeds 1 and 2 of fp_mt and bimtdp differ in mIoU only
    extra = {
        ('fp_mt', 1): 40.0, ('bimtdp', 1): 32.0,
        ('fp_mt', 2): 44.0, ('bimtdp', 2): 34.0,
    }
    for (name, seed), miou in extra.items():
        rec = json.loads((tmp_path / 'results' / name /
                          'seed0.json').read_text())
        rec['seed'] = seed
        rec['metrics'] = dict(rec['metrics'], **{'seg/mIoU': miou})
        (tmp_path / 'results' / name / f'seed{seed}.json').write_text(
            json.dumps(rec))
    records = load_records(res, [m.name for m in methods])
    # in the order of METHODS then seed, whatever the order on disk
    assert [(r['name'], r['seed']) for r in records] == [
        (b, 0) for b in BASELINES] + [('fp_mt', 0), ('fp_mt', 1),
                                      ('fp_mt', 2), ('bimtdp', 0),
                                      ('bimtdp', 1), ('bimtdp', 2),
                                      ('share_step2', 0)]
    agg = aggregate_records(records, methods)
    by = {r['name']: r for r in agg}
    assert by['fp_mt']['n'] == 3
    assert by['fp_mt']['metrics']['seg/mIoU'] == pytest.approx(128 / 3)
    assert by['fp_mt']['metrics_std']['seg/mIoU'] == pytest.approx(
        mean_std([44, 40, 44])['std'])
    dm = per_seed_delta_m(agg, baseline_metrics(agg))
    # Δm = (mIoU / 40 - 1) * 100 / 4 + (fixed parts: fp_mt -10 / 4,
    # bimtdp (-20 - 10 - 10) / 4)
    assert dm['fp_mt'] == pytest.approx({0: 0.0, 1: -2.5, 2: 0.0})
    assert dm['bimtdp'] == pytest.approx({0: -12.5, 1: -15.0, 2: -13.75})
    comp = [c for c in comparisons(dm) if c['b'] == 'bin_reactnet' or
            (c['a'], c['b']) == ('fp_mt', 'bin_reactnet')]
    assert comp == []  # bin_reactnet has no result
    conv = convergence(agg)
    assert conv['bimtdp']['changes'][0] == pytest.approx(0.4)
    assert conv['bimtdp']['converged'] is True
    assert 'fp_mt' not in conv  # no validation curve
    text = write_report(res, preset, methods, total_s=90.0)
    with open(osp.join(res, 'results.md')) as f:
        assert f.read() == text
    assert text.startswith('# mmbin benchmark, preset smoke\n\n')
    assert 'Seeds 0, 1, 2, deterministic mode' in text
    assert 'Metrics on the held-out test split' in text
    assert 'for a 48x64 input' in text
    assert 'This invocation ran 1.5 min.' in text
    assert 'Not finished: ' in text and 'bin_bnn' in text
    # mean ± std over seeds; Δm of the mean metrics = mean of per-seed Δm
    assert '| Bi-MTDP | 3 | 34.00 ± 2.00 | 0.600 ± 0.000 |' in text
    assert '-13.75 ± 1.25' in text
    assert ('| Bi-MTDP (ReActNet, IB, KD) | 0.40, 0.40, 0.40 | 0.40 | yes |'
            in text)
    for name in ('results.csv', 'delta_m_vs_ops.png', 'task_metrics.png',
                 'learning_curves.png'):
        assert osp.getsize(osp.join(res, name)) > 0
    # without a wall time and with every method finished: neither line
    rows = build_rows(agg)
    text = report_text(rows, preset, 0)
    assert 'This invocation' not in text and 'Not finished' not in text


def test_paired_comparison_table():
    dm = {'fp_mt': {0: 1.0, 1: 2.0, 2: 3.0},
          'bin_reactnet': {0: 0.0, 1: 0.0, 2: 0.0, 3: 5.0},
          'bimtdp': {0: 0.5}}
    comps = comparisons(dm)
    assert [(c['a'], c['b']) for c in comps] == [('fp_mt', 'bin_reactnet'),
                                                 ('bimtdp', 'bin_reactnet')]
    # differences 1, 2, 3: mean 2, CI 2 ± 4.303 / sqrt(3) -> covers 0
    assert comps[0]['n'] == 3 and comps[0]['established'] is False
    assert comps[0]['low'] == pytest.approx(2 - 4.303 / 3**0.5)
    from mmbin.benchmark.report import comparisons_table
    md = comparisons_table(comps, {m.name: m.label for m in METHODS})
    assert '| 3 | +2.00 | [-0.48, +4.48] | not established |' in md
    assert 'not established (n < 2)' in md


def test_last_quarter_change():
    assert last_quarter_change([(1, 0.0), (8, 1.0), (10, 0.2)], 10) == \
        pytest.approx(0.8)
    assert last_quarter_change([(1, 0.0), (10, 0.2)], 10) is None


def test_plan_runs_seeds_and_groups():
    smoke = get_preset('smoke')
    plan = plan_runs(smoke)
    assert [s for s, _ in plan] == [0, 1]
    assert len(plan[0][1]) == len(METHODS)
    assert [m.name for m in plan[1][1]] == ['fp_mt', 'bin_reactnet']
    conv = get_preset('cpu-conv')
    plan = plan_runs(conv, seeds=[3, 4])
    later = [m.name for m in plan[1][1]]
    assert 'bin_bnn' not in later and 'fp_mt_narrow' in later
    assert set(later) == set(HEADLINE_METHODS)
    # a group: its methods and their dependencies only
    plan = plan_runs(conv, group='teacher', seeds=[0])
    assert [m.name for m in plan[0][1]] == ['fp_mt', 'bimtdp',
                                            'bimtdp_no_ib']
    # every method is in exactly one group
    grouped = [n for names, _ in BUDGET_GROUPS.values() for n in names]
    assert sorted(grouped) == sorted(m.name for m in METHODS)
    with pytest.raises(BenchmarkError, match='unknown benchmark group'):
        plan_runs(conv, group='nope')
    with pytest.raises(BenchmarkError, match='not both'):
        plan_runs(conv, methods=['fp_mt'], group='teacher')
    with pytest.raises(BenchmarkError, match='distinct'):
        plan_runs(conv, seeds=[1, 1])


def test_test_split_and_val_interval_in_protocol(tmp_path):
    preset = get_preset('cpu-conv')
    m = select_methods(['fp_mt'])[-1]
    cfg = build_method_config(m, preset, str(tmp_path), seed=0)
    assert cfg.test_dataloader.dataset.ann_file == 'gt_sets/test.txt'
    assert cfg.val_dataloader.dataset.ann_file == 'gt_sets/val.txt'
    assert cfg.train_cfg.val_interval == 400 and cfg.train_cfg.val_begin == 400
    assert cfg.train_cfg.max_iters == 3200
    hard = get_preset('cpu-hard')
    assert hard.synthetic['difficulty'] and hard.synthetic['num_test'] >= 300
    # today's cpu preset is unchanged: test on val, no validation in training
    cpu = build_method_config(m, get_preset('cpu'), str(tmp_path), seed=0)
    assert cpu.test_dataloader.dataset.ann_file == 'gt_sets/val.txt'
    assert cpu.train_cfg.val_begin == 601


def test_determining_hash_ignores_paths_not_sections(tmp_path):
    from mmbin.benchmark.provenance import config_hash
    preset = get_preset('smoke')
    m = select_methods(['fp_mt'])[-1]
    a = build_method_config(m, preset, str(tmp_path / 'a'), seed=0)
    b = build_method_config(m, preset, str(tmp_path / 'b'), seed=0,
                            data_root='elsewhere')
    b.default_hooks.logger.interval = 7  # logging does not count
    assert config_hash(a, preset.synthetic) == config_hash(b,
                                                           preset.synthetic)
    b.optim_wrapper.optimizer.lr = 0.5
    assert config_hash(a, preset.synthetic) != config_hash(b,
                                                           preset.synthetic)
    # the data set's generation arguments count instead of its path
    assert config_hash(a, preset.synthetic) != config_hash(
        a, dict(preset.synthetic, difficulty={'blur': 0.5}))


def test_train_seconds_per_iter_reads_mmengine_scalars(tmp_path):
    assert train_seconds_per_iter(str(tmp_path)) is None
    d = tmp_path / '20260101_000000' / 'vis_data'
    d.mkdir(parents=True)
    lines = [dict(loss=1.0, time=0.5), dict(loss=1.0, time=0.7),
             dict(loss=1.0, time=0.2), dict(mIoU=3.0, time=9.0)]
    (d / 'scalars.json').write_text('\n'.join(json.dumps(x) for x in lines))
    # validation lines (no loss) are not training iterations
    assert train_seconds_per_iter(str(tmp_path)) == pytest.approx(0.5)


def test_run_benchmark_bad_input(tmp_path, repo_root):
    with pytest.raises(BenchmarkError,
                       match="^unknown benchmark method 'nope'"):
        run_benchmark('smoke', work_dir=str(tmp_path / 'w'),
                      methods=['nope'], root=repo_root)
    with pytest.raises(BenchmarkError, match='docs/data.md'):
        run_benchmark('full', work_dir=str(tmp_path / 'f'),
                      methods=['fp_seg'],
                      data_root=str(tmp_path / 'no_nyud'), root=repo_root)


def _scalars(tmp_path, lines):
    d = tmp_path / '20260101_000000' / 'vis_data'
    d.mkdir(parents=True)
    (d / 'scalars.json').write_text('\n'.join(json.dumps(x) for x in lines))


def test_health_curve_read_from_scalars_and_drawn(tmp_path):
    assert read_health_curve(str(tmp_path)) == []
    # the hook writes lines of its own (no loss), like validation does
    _scalars(tmp_path, [
        {'step': 5, 'binary_health/flip_ratio/all': 0.02,
         'binary_health/flip_ratio/backbone.layer1': 0.5,
         'binary_health/latent_abs_mean/all': 0.1,
         'binary_health/clip_ratio/all': 0.3},
        {'loss': 0.9, 'step': 6},  # a plain training line
        {'seg/mIoU': 3.0, 'step': 10},  # validation
        {'step': 10, 'binary_health/flip_ratio/all': 0.01,
         'binary_health/latent_abs_mean/all': 0.12},
    ])
    assert f'{HOOK_PREFIX}/' == HEALTH_PREFIX
    # health lines are not validation points, and do not replace one
    assert read_val_curve(str(tmp_path)) == [{'iter': 10, 'seg/mIoU': 3.0}]
    curve = read_health_curve(str(tmp_path))
    # the whole-model ('all') group only, lines without health skipped
    assert curve == [
        dict(iter=5, flip_ratio=0.02, latent_abs_mean=0.1, clip_ratio=0.3),
        dict(iter=10, flip_ratio=0.01, latent_abs_mean=0.12)]
    val = [{'iter': 10, 'seg/mIoU': 3.0}]
    fp = dict(name='fp_mt', label='FP', group='FP multi-task',
              tier='headline', per_seed=[dict(val_curve=val)])
    binary = dict(name='bin', label='binary', group='binary multi-task',
                  tier='headline',
                  per_seed=[dict(val_curve=val, health_curve=curve),
                            dict(val_curve=val, health_curve=[
                                dict(iter=5, flip_ratio=0.04)])])
    path = str(tmp_path / 'curves.png')
    # without health curves: the mIoU line of each row only
    assert plot_learning_curves([fp], {}, path) == 1
    small = cv2.imread(path).shape
    # with them: the binary row also draws three health panels
    assert plot_learning_curves([fp, binary], {}, path) == 2 + 3
    big = cv2.imread(path).shape
    assert big[0] > small[0] and big[1] == small[1]


def test_protocol_logs_health_of_binary_rows_only(tmp_path):
    preset = get_preset('cpu-conv')
    methods = select_methods(['bimtdp_gradnorm', 'fp_mt_uw'])
    by = {m.name: m for m in methods}
    iters = _iters(methods, preset)
    fp = build_method_config(by['fp_mt_uw'], preset, str(tmp_path), 0,
                             max_iters=iters)
    binary = build_method_config(by['bimtdp_gradnorm'], preset,
                                 str(tmp_path), 0, max_iters=iters)
    assert 'binary_health' not in fp.default_hooks
    assert binary.default_hooks.binary_health == dict(
        type='BinaryHealthHook', interval=100, log_line=False)
    assert binary.model.task_balancer.type == 'GradNorm'
    assert fp.model.task_balancer.type == 'UncertaintyWeighting'
    # a balancing student learns from the fixed-weight FP teacher
    assert by['bimtdp_gradnorm'].needs == ['fp_mt']
    # the hook is not part of what determines the numbers
    from mmbin.benchmark.provenance import determining_sections
    assert 'BinaryHealthHook' not in json.dumps(
        determining_sections(binary))
