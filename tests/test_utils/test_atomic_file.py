# Copyright (c) mmbin contributors. All rights reserved.
import os

import pytest

from mmbin.utils.atomic_file import atomic_write_text, commit_file


def test_commit_file_replaces_atomically(tmp_path):
    final = tmp_path / 'a.pth'
    final.write_bytes(b'old')
    tmp = tmp_path / 'a.pth.tmp'
    tmp.write_bytes(b'new content')
    commit_file(str(tmp), str(final))
    assert final.read_bytes() == b'new content'
    assert not tmp.exists()


def test_commit_file_refuses_other_directory(tmp_path):
    (tmp_path / 'sub').mkdir()
    tmp = tmp_path / 'x.tmp'
    tmp.write_bytes(b'x')
    with pytest.raises(ValueError, match='same directory'):
        commit_file(str(tmp), str(tmp_path / 'sub' / 'x'))
    assert tmp.exists()


def test_atomic_write_text(tmp_path):
    path = tmp_path / 'last_checkpoint'
    atomic_write_text(str(path), '/a/iter_2.pth')
    atomic_write_text(str(path), '/a/iter_4.pth')
    assert path.read_text() == '/a/iter_4.pth'
    assert os.listdir(tmp_path) == ['last_checkpoint']
