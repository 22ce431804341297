# Copyright (c) mmbin contributors. All rights reserved.
"""Crash-safe file replacement: write elsewhere, flush to disk, rename.

Why this exists: MMEngine writes checkpoints and ``last_checkpoint`` in
place (``open(path, 'wb')``), so a process killed during the write leaves a
truncated file under the final name; neither MMEngine nor mmcv offers an
atomic write. POSIX ``rename`` within one directory is atomic: readers see
either the old file or the complete new one.
"""
import os
import os.path as osp

__all__ = ['fsync_path', 'commit_file', 'atomic_write_text']


def fsync_path(path: str) -> None:
    """Flush a file's (or a directory's) data to disk.

    Args:
        path (str): File or directory.
    """
    flags = os.O_RDONLY
    if osp.isdir(path):
        flags |= getattr(os, 'O_DIRECTORY', 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_file(tmp_path: str, final_path: str) -> None:
    """Make a completely written temporary file the final one.

    The temporary file is flushed to disk, renamed over ``final_path``
    (atomic when both are in one directory) and the directory entry is
    flushed too, so that after a crash ``final_path`` is either the old
    file or the complete new one.

    Args:
        tmp_path (str): The written file, in the directory of
            ``final_path``.
        final_path (str): Its final name.

    Raises:
        ValueError: If the two paths are in different directories.
    """
    tmp_dir = osp.dirname(osp.abspath(tmp_path))
    final_dir = osp.dirname(osp.abspath(final_path))
    if tmp_dir != final_dir:
        raise ValueError(
            f'commit_file: {tmp_path!r} and {final_path!r} must be in the '
            'same directory (a rename across directories is not atomic)')
    fsync_path(tmp_path)
    os.replace(tmp_path, final_path)
    fsync_path(final_dir)


def atomic_write_text(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (temporary file + rename).

    Args:
        path (str): File to write.
        text (str): Its new content.
    """
    tmp_path = f'{path}.tmp-{os.getpid()}'
    with open(tmp_path, 'w') as f:
        f.write(text)
    commit_file(tmp_path, path)
