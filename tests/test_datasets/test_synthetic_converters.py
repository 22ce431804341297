# Copyright (c) mmbin contributors. All rights reserved.
"""The synthetic data converters reject bad numbers when parsing, with
argparse's usage error naming the option."""
import pytest
from _helpers.tool_runs import load_script


def _tool(repo_root, name):
    return load_script(f'tools/dataset_converters/{name}.py')


BAD = {
    'make_synthetic_nyud': [
        (['--size', '0', '64'], '--size'),
        (['--size', '4', '64'], '--size'),
        (['--size', '48', 'x'], '--size'),
        (['--num-train', '-1'], '--num-train'),
        (['--num-val', '-2'], '--num-val'),
        (['--seed', '-1'], '--seed'),
        (['--workers', '0'], '--workers'),
        (['--jpeg-quality', '101'], '--jpeg-quality'),
    ],
    'make_synthetic_video': [
        (['--size', '0', '64'], '--size'),
        (['--num-train', '-1'], '--num-train'),
        (['--num-frames', '0'], '--num-frames'),
        (['--workers', '-3'], '--workers'),
        (['--noise-scale', '-0.5'], '--noise-scale'),
        (['--noise-scale', 'nan'], '--noise-scale'),
        (['--noise-scale', 'inf'], '--noise-scale'),
        (['--noise-scale', 'x'], '--noise-scale'),
        (['--jpeg-quality', '50.5'], '--jpeg-quality'),
        (['--jpeg-quality', '-1'], '--jpeg-quality'),
    ],
}


@pytest.mark.parametrize('name,argv,option', [
    (name, argv, option) for name, cases in BAD.items()
    for argv, option in cases
])
def test_bad_numbers_are_usage_errors(repo_root, capsys, name, argv,
                                      option):
    tool = _tool(repo_root, name)
    with pytest.raises(SystemExit) as exc:
        tool.parse_args(['--out', 'unused'] + argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f'argument {option}' in err, err


@pytest.mark.parametrize('name', sorted(BAD))
def test_good_numbers_parse(repo_root, name):
    args = _tool(repo_root, name).parse_args(
        ['--out', 'o', '--size', '8', '12', '--num-train', '0', '--seed',
         '3', '--jpeg-quality', '100'])
    assert list(args.size) == [8, 12] and args.num_train == 0
    assert args.seed == 3 and args.jpeg_quality == 100


def test_video_noise_scale_zero_parses(repo_root):
    args = _tool(repo_root, 'make_synthetic_video').parse_args(
        ['--out', 'o', '--noise-scale', '0', '--num-frames', '1'])
    assert args.noise_scale == 0.0 and args.num_frames == 1
