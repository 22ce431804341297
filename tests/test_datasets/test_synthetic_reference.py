# Copyright (c) mmbin contributors. All rights reserved.
"""The synthetic generators write byte-identical files for the same seeds.

``tests/data/synthetic_reference_hashes.json`` holds the sha256 of every
file that a few small :func:`~mmbin.datasets.generate_synthetic_nyud` and
:func:`~mmbin.datasets.generate_synthetic_video` runs wrote, together with
the arguments of those runs and the commit and library versions that made
them. The test regenerates the runs and compares every file.

JPEG bytes depend on OpenCV's encoder and the floating-point results on
numpy: after a deliberate change of the generator or of those libraries,
rewrite the fixture with
``python tests/test_datasets/test_synthetic_reference.py --write`` and say
why in the commit.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REFERENCE = osp.join(ROOT, 'tests', 'data', 'synthetic_reference_hashes.json')

# The runs of the fixture (small: about two seconds on one core).
NYUD_RUNS = [
    dict(num_train=2, num_val=1, size=[48, 64], seed=0),
    dict(num_train=2, num_val=1, size=[48, 64], seed=1),
]
VIDEO_RUNS = [
    dict(num_train=1, num_val=1, num_frames=3, size=[32, 48], seed=0),
]


def _sha256(path: str, renamed: dict) -> str:
    """sha256 of a file; in manifests, new generator names are mapped back
    to the names the fixture was recorded with (see ``renamed``)."""
    with open(path, 'rb') as f:
        data = f.read()
    if path.endswith('.json'):
        for new, old in renamed.items():
            data = data.replace(f'"{new}"'.encode(), f'"{old}"'.encode())
    return hashlib.sha256(data).hexdigest()


def generate_reference(root: str, renamed: dict) -> dict:
    """Run the fixture's generations under ``root``.

    Args:
        root (str): Empty output directory.
        renamed (dict): New generator name -> recorded name.

    Returns:
        dict[str, str]: sha256 per written file, keyed by its path relative
        to ``root`` (``/``-separated).
    """
    from mmbin.datasets import (generate_synthetic_nyud,
                                generate_synthetic_video)
    for k, args in enumerate(NYUD_RUNS):
        generate_synthetic_nyud(osp.join(root, f'nyud_{k}'), **args)
    for k, args in enumerate(VIDEO_RUNS):
        generate_synthetic_video(osp.join(root, f'video_{k}'), **args)
    hashes = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            rel = osp.relpath(path, root).replace(os.sep, '/')
            hashes[rel] = _sha256(path, renamed)
    return dict(sorted(hashes.items()))


def _versions() -> dict:
    import cv2
    import numpy as np
    return dict(numpy=np.__version__, opencv=cv2.__version__)


def test_generators_match_reference(tmp_path):
    with open(REFERENCE) as f:
        ref = json.load(f)
    assert ref['nyud_runs'] == NYUD_RUNS and ref['video_runs'] == VIDEO_RUNS
    got = generate_reference(str(tmp_path), ref.get('renamed', {}))
    assert sorted(got) == sorted(ref['files']), (
        'the generators wrote a different set of files than the reference')
    differ = [p for p in got if got[p] != ref['files'][p]]
    assert not differ, (
        f'{len(differ)} of {len(got)} files differ from the reference made '
        f'at commit {ref["commit"]} with {ref["versions"]} (now '
        f'{_versions()}): {differ[:8]}')


def main():
    parser = argparse.ArgumentParser(
        description='Write tests/data/synthetic_reference_hashes.json.')
    parser.add_argument('--write', action='store_true', required=True,
                        help='regenerate the runs and overwrite the fixture')
    parser.parse_args()
    import tempfile
    sys.path.insert(0, ROOT)
    commit = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT,
                            capture_output=True, text=True,
                            check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        files = generate_reference(tmp, {})
    os.makedirs(osp.dirname(REFERENCE), exist_ok=True)
    with open(REFERENCE, 'w') as f:
        json.dump(
            dict(
                note='sha256 of every file written by the runs below; '
                'made by tests/test_datasets/test_synthetic_reference.py '
                '--write on the commit named here',
                commit=commit, versions=_versions(), nyud_runs=NYUD_RUNS,
                video_runs=VIDEO_RUNS, files=files), f, indent=1)
        f.write('\n')
    print(f'wrote {len(files)} hashes to {REFERENCE}')


if __name__ == '__main__':
    main()
