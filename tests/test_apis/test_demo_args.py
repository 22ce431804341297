# Copyright (c) mmbin contributors. All rights reserved.
"""The demos' shared arguments: one model source, numbers checked when
parsed (argparse usage errors naming the option)."""
import pytest
from _helpers.tool_runs import load_script


def _demo(name):
    return load_script(f'demo/{name}.py')


@pytest.mark.parametrize('name,extra,option', [
    ('image_demo', ['--batch-size', '0'], '--batch-size'),
    ('image_demo', ['--opacity', '1.5'], '--opacity'),
    ('image_demo', ['--threads', '-2'], '--threads'),
    ('image_demo', ['--depth-range', '5', '1'], '--depth-range'),
    ('video_demo', ['--max-frames', '0'], '--max-frames'),
    ('video_demo', ['--fps', '0'], '--fps'),
    ('video_demo', ['--fps', 'nan'], '--fps'),
])
def test_bad_numbers_are_usage_errors(name, extra, option, capsys):
    demo = _demo(name)
    with pytest.raises(SystemExit) as exc:
        demo.parse_args(['in', 'cfg.py', 'model.pth'] + extra)
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


@pytest.mark.parametrize('name', ['image_demo', 'video_demo'])
def test_model_source_is_checkpoint_xor_ir(name, capsys):
    demo = _demo(name)
    for argv in (['in', 'cfg.py'], ['in', 'cfg.py', 'm.pth', '--ir', 'x']):
        with pytest.raises(SystemExit):
            demo.parse_args(argv)
        assert 'one of them' in capsys.readouterr().err
    args = demo.parse_args(['in', 'cfg.py', '--ir', 'ir_dir', '--opacity',
                            '0.25', '--depth-range', '0.5', '9'])
    assert args.ir == 'ir_dir' and args.checkpoint is None
    assert args.opacity == 0.25 and args.depth_range == [0.5, 9.0]
