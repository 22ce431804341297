# Copyright (c) mmbin contributors. All rights reserved.
"""Every method folder of ``configs/`` has a README.md and a metafile.yaml
in MMSegmentation 1.x's format that list exactly its configs."""
import glob
import os
import os.path as osp
import re
import shutil
from numbers import Number

import pytest
import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METHOD_DIRS = ('mtdp', 'bimtdp', 'bidense', 'sharing', 'binarize_mmseg')
LINK = re.compile(r'\]\(([^)\s]+)\)')


def folder_configs(folder):
    """Stems of the configs directly in ``folder`` (not in ``_base_``)."""
    return sorted(
        osp.splitext(osp.basename(p))[0]
        for p in glob.glob(osp.join(folder, '*.py')))


def metafile_problems(folder, root):
    """Problems of ``folder/metafile.yaml``, as readable strings."""
    path = osp.join(folder, 'metafile.yaml')
    if not osp.isfile(path):
        return [f'{path} is missing']
    with open(path, encoding='utf-8') as f:
        meta = yaml.safe_load(f)
    problems = []
    if not isinstance(meta, dict) or set(meta) != {'Collections', 'Models'}:
        return [f'{path}: top level must be Collections and Models, got '
                f'{meta if not isinstance(meta, dict) else sorted(meta)}']
    collections = {}
    for coll in meta['Collections']:
        name = coll.get('Name')
        collections[name] = coll
        for key in ('License', 'Metadata', 'Paper', 'README', 'Frameworks'):
            if key not in coll:
                problems.append(f'{path}: collection {name!r} has no {key}')
        readme = coll.get('README', '')
        if not osp.isfile(osp.join(root, readme)):
            problems.append(f'{path}: README {readme!r} does not exist')
        url = coll.get('Paper', {}).get('URL', '')
        if not url.startswith('https://'):
            problems.append(f'{path}: collection paper URL {url!r}')
    seen = set()
    for model in meta['Models']:
        name = model.get('Name')
        where = f'{path}: model {name!r}'
        if name in seen:
            problems.append(f'{where} is listed twice')
        seen.add(name)
        if model.get('In Collection') not in collections:
            problems.append(f'{where}: In Collection '
                            f'{model.get("In Collection")!r} is not a '
                            f'collection of the file')
        config = model.get('Config', '')
        if not osp.isfile(osp.join(root, config)):
            problems.append(f'{where}: Config {config!r} does not exist')
        elif osp.splitext(osp.basename(config))[0] != name:
            problems.append(f'{where}: Name differs from the config '
                            f'{config!r}')
        elif osp.abspath(osp.dirname(osp.join(root, config))) != \
                osp.abspath(folder):
            problems.append(f'{where}: Config {config!r} is not in '
                            f'{folder}')
        metadata = model.get('Metadata', {})
        for key in ('Training Data', 'Architecture'):
            if key not in metadata:
                problems.append(f'{where}: Metadata has no {key}')
        results = model.get('Results', [])
        if isinstance(results, dict):
            results = [results]
        for result in results:
            if not {'Task', 'Dataset', 'Metrics'} <= set(result):
                problems.append(f'{where}: a result lacks Task, Dataset or '
                                f'Metrics: {result}')
                continue
            metrics = result['Metrics']
            if not metrics or not all(
                    isinstance(v, Number) for v in metrics.values()):
                problems.append(f'{where}: Metrics must be numbers, got '
                                f'{metrics}')
    configs = set(folder_configs(folder))
    for missing in sorted(configs - seen):
        problems.append(f'{path}: config {missing}.py is not listed')
    return problems


def readme_problems(folder):
    """Configs of ``folder`` that its README.md does not link, and relative
    links of the README that point nowhere."""
    path = osp.join(folder, 'README.md')
    if not osp.isfile(path):
        return [f'{path} is missing']
    with open(path, encoding='utf-8') as f:
        text = f.read()
    links = LINK.findall(text)
    local = [link.split('#')[0] for link in links
             if not re.match(r'[a-z]+://', link)]
    problems = []
    for stem in folder_configs(folder):
        if f'{stem}.py' not in local:
            problems.append(f'{path} does not link {stem}.py')
    for link in local:
        if link and not osp.exists(osp.join(folder, link)):
            problems.append(f'{path} links {link!r}, which does not exist')
    return problems


@pytest.mark.parametrize('method', METHOD_DIRS)
def test_metafile_lists_every_config(method):
    folder = osp.join(ROOT, 'configs', method)
    assert metafile_problems(folder, ROOT) == []


@pytest.mark.parametrize('method', METHOD_DIRS)
def test_readme_links_every_config(method):
    folder = osp.join(ROOT, 'configs', method)
    assert readme_problems(folder) == []


def test_model_names_are_unique_across_metafiles():
    names = []
    for method in METHOD_DIRS:
        with open(osp.join(ROOT, 'configs', method, 'metafile.yaml')) as f:
            names += [m['Name'] for m in yaml.safe_load(f)['Models']]
    assert len(names) == len(set(names))


def test_every_config_folder_with_a_readme_has_a_metafile():
    for readme in glob.glob(osp.join(ROOT, 'configs', '*', 'README.md')):
        assert osp.isfile(osp.join(osp.dirname(readme), 'metafile.yaml'))


def test_checks_catch_unlisted_missing_and_unlinked_configs(tmp_path):
    """The checks above fail on a folder whose metafile and README are out
    of date (a config added, one deleted)."""
    root = tmp_path
    folder = root / 'configs' / 'mtdp'
    shutil.copytree(osp.join(ROOT, 'configs', 'mtdp'), folder)
    assert metafile_problems(str(folder), str(root)) == []
    # (links out of the folder, e.g. to docs/, are not in the copy)
    assert [p for p in readme_problems(str(folder)) if '.py' in p] == []

    (folder / 'synthetic_r18_fp_new.py').write_text("_base_ = []\n")
    os.remove(folder / 'nyud_r18_fp_edge.py')
    problems = metafile_problems(str(folder), str(root))
    assert any('synthetic_r18_fp_new.py is not listed' in p for p in problems)
    assert any("'configs/mtdp/nyud_r18_fp_edge.py' does not exist" in p
               for p in problems)
    problems = readme_problems(str(folder))
    assert any('does not link synthetic_r18_fp_new.py' in p for p in problems)
    assert any("links 'nyud_r18_fp_edge.py', which does not exist" in p
               for p in problems)

    (folder / 'metafile.yaml').write_text(
        'Collections: []\nModels:\n- Name: x\n  Config: configs/mtdp/x.py\n'
        '  Results:\n    Task: T\n    Dataset: D\n    Metrics:\n'
        '      mIoU: high\n')
    problems = metafile_problems(str(folder), str(root))
    assert any('Metrics must be numbers' in p for p in problems)
    assert any("In Collection None is not a collection" in p
               for p in problems)
