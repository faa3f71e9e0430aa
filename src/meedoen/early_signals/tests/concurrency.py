"""Running service calls at the same time, on a database server that lets them."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections


def at_once(*calls) -> list[object]:
    """Run ``calls`` in threads that start together; their results, in order."""
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def run(index: int, call) -> None:
        try:
            start.wait()
            results[index] = call()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


CONCURRENT = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="requests at the same time need a database server; SQLite lets one writer in at a time",
)
