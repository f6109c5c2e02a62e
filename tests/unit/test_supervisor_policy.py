"""The supervisor's restart policy without processes: backoff, the window, giving up naming the part."""

from __future__ import annotations

from pathlib import Path

import pytest
from qlcore.stack import GaveUp, RestartPolicy, StackSupervisor


class FakePart:
    def __init__(self) -> None:
        self.up, self.restarts, self.pid = True, 0, 100

    def alive(self) -> bool:
        return self.up

    def restart(self) -> None:
        self.restarts += 1
        self.pid += 1
        self.up = True

    def get_pid(self) -> int:
        return self.pid


def supervisor(tmp_path: Path, **env: str) -> StackSupervisor:
    return StackSupervisor(env={"QL_HOME": str(tmp_path), **env}, services=())


def test_backoff_doubles_and_is_capped() -> None:
    p = RestartPolicy()
    assert [p.delay(n) for n in (1, 2, 3, 4, 5, 6, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    assert RestartPolicy.from_env({"QL_RESTART_MAX_FAILURES": "3", "QL_RESTART_WINDOW_S": "10"}) == RestartPolicy(
        max_failures=3, window=10.0
    )


def test_a_dead_part_is_restarted_after_its_backoff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sup = supervisor(tmp_path)
    part = FakePart()
    sup._watch("nats-server", part.alive, part.restart, part.get_pid, tmp_path / "n.log")
    sup.supervise(now=0.0)
    assert part.restarts == 0
    part.up = False
    sup.supervise(now=1.0)  # seen dead: restart scheduled at 1.5
    sup.supervise(now=1.4)
    assert part.restarts == 0
    sup.supervise(now=1.5)
    assert part.restarts == 1 and part.up
    err = capsys.readouterr().err
    assert "nats-server died; restarting it in 0.5 s (failure 1 of 5 allowed within 60 s" in err
    assert "nats-server restarted (pid 101)" in err


def test_failures_outside_the_window_are_forgotten_and_too_many_inside_give_up(tmp_path: Path) -> None:
    sup = supervisor(tmp_path, QL_RESTART_MAX_FAILURES="3", QL_RESTART_WINDOW_S="10")
    part = FakePart()
    sup._watch("card", part.alive, part.restart, part.get_pid, tmp_path / "card.log")
    t = 0.0
    for _ in range(2):  # two failures, then a quiet minute: the window forgets them
        part.up = False
        sup.supervise(now=t)
        t += 20
        sup.supervise(now=t)
    assert part.restarts == 2
    for _ in range(2):
        part.up = False
        sup.supervise(now=t)
        t += 2
        sup.supervise(now=t)
    part.up = False
    with pytest.raises(
        GaveUp, match=r"giving up on card: it failed 3 times within 10 s \(last: died\); see .*card.log"
    ):
        sup.supervise(now=t + 1)


def test_a_restart_that_fails_counts_as_a_failure(tmp_path: Path) -> None:
    sup = supervisor(tmp_path, QL_RESTART_MAX_FAILURES="2")
    calls = []

    def broken_restart() -> None:
        calls.append(1)
        raise RuntimeError("nats-server did not listen on 4222")

    sup._watch("nats-server", lambda: False, broken_restart, lambda: None, tmp_path / "n.log")
    sup.supervise(now=0.0)
    with pytest.raises(GaveUp, match="could not be restarted: nats-server did not listen"):
        sup.supervise(now=1.0)
    assert calls == [1]
