"""ReadAhead: items in order, the producer's error raised in the consumer, and an early
exit that stops the producer instead of leaving it blocked."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from cube.store.readahead import ReadAhead


def test_items_arrive_in_order() -> None:
    with ReadAhead(iter(range(100)), depth=2) as ahead:
        assert list(ahead) == list(range(100))


def test_the_producers_error_is_raised_after_the_items_before_it() -> None:
    def broken() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3: order_id is null")

    got: list[int] = []
    with pytest.raises(ValueError, match=r"^row 3: order_id is null$"):
        with ReadAhead(broken()) as ahead:
            got.extend(ahead)
    assert got == [1, 2]


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    with pytest.raises(RuntimeError, match=r"^server refused the chunk$"):
        with ReadAhead(endless(), depth=2) as ahead:
            for item in ahead:
                if item == 3:
                    raise RuntimeError("server refused the chunk")
    assert not any(t.name == "read-ahead" for t in threading.enumerate())
    # At most `depth` items beyond the one being consumed, plus the one being put.
    assert len(produced) <= 3 + 1 + 2 + 1
