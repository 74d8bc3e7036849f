"""The one progress bar of the commands: tqdm on a terminal, nothing when piped or in CI.

    with progress_bar("embedding", "passages") as advance:
        build_index(settings, progress=advance)        # advance(n) after n more items; None when silent
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(label: str, unit: str) -> Iterator[Callable[[int], object] | None]:
    """A callback advance(n) that moves a bar on stderr (closed when the block ends), or None
    when stderr is not a terminal: every library progress parameter accepts either."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm
    bar = tqdm(desc=label, unit=f" {unit}", file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()
