# Copyright (c) mmbin contributors. All rights reserved.
"""Running the command-line tools from tests and reading what they log."""
import glob
import json
import os.path as osp
import subprocess
from typing import Dict, List, Optional


def run_checked(cmd: List[str],
                cwd: str,
                env: Optional[dict] = None,
                timeout: int = 900) -> str:
    """Run ``cmd`` and return its stdout and stderr; fail the test with the
    command and the end of its output when it exits non-zero.

    Args:
        cmd (list[str]): The command.
        cwd (str): Working directory (the repository root).
        env (dict, optional): Environment (default: inherited).
        timeout (int): Seconds before it is killed.

    Returns:
        str: stdout followed by stderr.
    """
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-5000:]}'
    return out


def logged_metrics(work_dir: str) -> Dict[str, float]:
    """Every value that the runs in ``work_dir`` logged to
    ``<timestamp>/<timestamp>.json`` (later lines win)."""
    found = {}
    for path in glob.glob(osp.join(work_dir, '*', '*.json')):
        with open(path) as f:
            for line in f:
                found.update(json.loads(line))
    return found


#: The repository root (scripts are given relative to it).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_script(relpath: str):
    """Import a command-line script of the repository as a module, to call
    its ``parse_args``/``main`` in-process (``tools/`` and ``demo/`` are not
    packages).

    Args:
        relpath (str): Path from the repository root, e.g.
            ``'tools/analysis/get_flops.py'``.

    Returns:
        module: The executed script module.
    """
    import importlib.util
    path = osp.join(REPO_ROOT, relpath)
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
