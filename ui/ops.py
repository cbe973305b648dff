"""Long work leaves the GUI thread; one writer at a time (Anki's CollectionOp).

`ops.write(parent, job, done)` runs `job()` on the single writer thread; `done(result)` runs
back on the GUI thread; a ShopError is shown as a sentence (or handed to `failed`), anything
else opens the bug report dialog. Jobs open their own database sessions (services do) and
never touch a widget. `ops.read` does the same on a separate pool for heavy queries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

from ui.errors import show_error

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives in the GUI thread; signals emitted from the worker arrive there (queued)."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, job: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._job = job
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._job()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


class Ops(QObject):
    """Owns the writer thread (one at a time) and a small reader pool."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)
        self._reader = QThreadPool(self)
        self._reader.setMaxThreadCount(2)
        self._relays: set[_Relay] = set()
        self._running = 0

    def write(
        self,
        parent: QWidget | None,
        job: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._start(self._writer, parent, job, done, failed)

    def read(
        self,
        parent: QWidget | None,
        job: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._start(self._reader, parent, job, done, failed)

    def _start(self, pool, parent, job, done, failed) -> None:  # type: ignore[no-untyped-def]
        relay = _Relay()
        self._relays.add(relay)
        self._set_running(+1)

        @Slot(object)
        def on_success(result: Any) -> None:
            self._finish(relay)
            if done is not None:
                done(result)

        @Slot(object)
        def on_failure(exc: BaseException) -> None:
            self._finish(relay)
            if failed is not None:
                failed(exc)
            else:
                show_error(parent, exc)

        relay.succeeded.connect(on_success)
        relay.failed.connect(on_failure)
        pool.start(_Job(job, relay))

    def _finish(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        relay.deleteLater()
        self._set_running(-1)

    def _set_running(self, delta: int) -> None:
        before = self._running > 0
        self._running += delta
        after = self._running > 0
        if before != after:
            self.busy_changed.emit(after)
            if after:
                QApplication.setOverrideCursor(_busy_cursor())
            else:
                QApplication.restoreOverrideCursor()

    @property
    def busy(self) -> bool:
        return self._running > 0

    def wait(self, msecs: int = 30_000) -> bool:
        """For tests and shutdown: wait until queued work has finished."""
        return self._writer.waitForDone(msecs) and self._reader.waitForDone(msecs)


def _busy_cursor():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QCursor

    return QCursor(Qt.CursorShape.BusyCursor)
