"""How apply shows file progress: uploads (files, bytes, rate, time left), then indexing
(files completed of those attached).

On a terminal, `rich` draws the bars (it redraws whole lines, so nothing stale is left
behind, and computes rate and time left; writing that by hand is what left `MiBiB` on the
screen). In a CI log, where redrawing makes no sense, a plain line is written at most every
`every` seconds and when a phase ends.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reconciler.console import echo
from reconciler.render.plan import human_bytes

if TYPE_CHECKING:
    from reconciler.apply.filesync import Progress


class LogLines:
    """Plain progress lines for a log: at most one every `every` seconds per phase, and one
    when a phase completes."""

    def __init__(self, every: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 write: Callable[[str], None] | None = None) -> None:
        self.every = every
        self.clock = clock
        self.write = write or (lambda text: echo(text, err=True))
        self.shown: dict[str, float] = {}
        self.finished: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        with self.lock:
            if progress.files_total and "upload" not in self.finished:
                done = progress.files_done == progress.files_total
                self._line("upload", done, f"uploading: {progress.files_done}/"
                           f"{progress.files_total} files, {human_bytes(progress.bytes_done)} "
                           f"of {human_bytes(progress.bytes_total)}")
            if progress.index_total:
                done = progress.index_done >= progress.index_total
                self._line("index", done, f"indexing: {progress.index_done}/"
                           f"{progress.index_total} files completed")

    def _line(self, phase: str, done: bool, text: str) -> None:
        now = self.clock()
        if phase in self.finished or (not done and now - self.shown.get(phase, -1e9)
                                      < self.every):
            return
        self.shown[phase] = now
        if done:
            self.finished.add(phase)
        self.write(text)


class Bars:
    """Progress bars on a terminal (stderr): an upload bar in bytes with the file count,
    rate and time left, then an indexing bar in files. Use as a context manager."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.console = console or Console(stderr=True)
        self.bars = Progress(TextColumn("{task.description}"), BarColumn(),
                             DownloadColumn(binary_units=True), TransferSpeedColumn(),
                             TimeRemainingColumn(), TextColumn("{task.fields[count]}"),
                             console=self.console, transient=False)
        self.index_bars = Progress(TextColumn("{task.description}"), BarColumn(),
                                   MofNCompleteColumn(), TextColumn("files completed"),
                                   console=self.console, transient=False)
        self.upload: Any = None
        self.index: Any = None
        self.lock = threading.Lock()

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        for bars in (self.bars, self.index_bars):
            bars.stop()

    def __call__(self, progress: Progress) -> None:
        with self.lock:
            if progress.files_total:
                if self.upload is None:
                    self.bars.start()
                    self.upload = self.bars.add_task("uploading", total=progress.bytes_total,
                                                     count="")
                self.bars.update(self.upload, completed=progress.bytes_done,
                                 count=f"{progress.files_done}/{progress.files_total} files")
            if progress.index_total:
                if self.index is None:
                    self.bars.stop()
                    self.index_bars.start()
                    self.index = self.index_bars.add_task("indexing",
                                                          total=progress.index_total)
                self.index_bars.update(self.index, completed=progress.index_done,
                                       total=progress.index_total)


def for_stderr() -> Callable[[Progress], None]:
    """Bars on a terminal, plain lines otherwise."""
    return Bars() if sys.stderr.isatty() else LogLines()
