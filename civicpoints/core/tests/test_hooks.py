"""core.hooks.Hook: the explicit subscriber list a lower layer uses to let a higher one react."""

import pytest

from civicpoints.core.hooks import Hook


def test_subscribers_are_called_in_order_and_once_each() -> None:
    # given
    hook: Hook[int] = Hook("test.hook")
    heard: list[tuple[str, int]] = []

    def first(n: int) -> None:
        heard.append(("first", n))

    def second(n: int) -> None:
        heard.append(("second", n))

    hook.subscribe(first)
    hook.subscribe(second)
    hook.subscribe(first)  # a second subscription of the same function is ignored
    # when
    hook.send(7)
    # then
    assert heard == [("first", 7), ("second", 7)]
    assert hook.subscribers == (first, second)


def test_a_subscriber_error_propagates_and_stops_the_rest() -> None:
    # given
    hook: Hook[int] = Hook("test.failing")
    heard: list[int] = []

    def boom(n: int) -> None:
        raise RuntimeError("no")

    hook.subscribe(boom)
    hook.subscribe(heard.append)
    # when / then: the sender sees the error (and its transaction rolls back)
    with pytest.raises(RuntimeError):
        hook.send(1)
    assert heard == []
