# Copyright (c) mmbin contributors. All rights reserved.
"""The one Markdown table writer of the reports (benchmark, demo, sharing).

MMEngine prints tables with ``prettytable``/``rich`` for the terminal; docs
and result files need GitHub Markdown, which neither produces.
"""
from typing import Sequence


def markdown_table(header: Sequence[str],
                   rows: Sequence[Sequence[object]]) -> str:
    """A GitHub Markdown table.

    Args:
        header (Sequence[str]): Column titles.
        rows (Sequence[Sequence]): Cells per row, converted with ``str``.

    Returns:
        str: The table, lines joined by newlines, no trailing newline.

    Raises:
        ValueError: If a row's length differs from the header's, naming the
            row.
    """
    lines = ['| ' + ' | '.join(str(h) for h in header) + ' |',
             '|' + '---|' * len(header)]
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(
                f'markdown_table: row {i} has {len(row)} cells, the header '
                f'{len(header)}: {list(row)!r}')
        lines.append('| ' + ' | '.join(str(c) for c in row) + ' |')
    return '\n'.join(lines)
