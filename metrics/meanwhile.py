"""Work started on a thread now, its result asked for later: a recompute keeps the database busy
(a load, a read of the stored snapshots, half of a bulk write) while Python computes.

A thread has its own database connection (closed when it ends). Inside a transaction (the
caller's, or a test's), a second connection would not see the uncommitted rows: database work is
then done on this thread, when its result is asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connection, connections

T = TypeVar("T")


class Meanwhile(Generic[T]):
    """`function(*args, **kwargs)`, started now on a thread; `result()` waits for it and returns it
    (or raises what it raised). `database`: the function queries the database (see above)."""

    def __init__(self, function: Callable[..., T], *args: Any, database: bool = True, **kwargs: Any) -> None:
        self._call = (function, args, kwargs)
        self._database = database
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if not (database and connection.in_atomic_block):
            self._thread = threading.Thread(
                target=self._run, name=f"metrics-{function.__name__}", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        function, args, kwargs = self._call
        try:
            self._result = function(*args, **kwargs)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            if self._database:
                connections.close_all()  # this thread's connections only

    def result(self) -> T:
        function, args, kwargs = self._call
        if self._thread is None:
            return function(*args, **kwargs)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]
