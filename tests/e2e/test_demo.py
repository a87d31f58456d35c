"""`make demo` against a local host of its own: the whole story plays in English, then again on the same host in
Dutch (with the next child), printing every step and never a BSN or a token; without a host it says how to start
one.

The host is its own: the demo travels in time (to 03:00 and 08:30 Dutch time).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import ROOT, RunningHost, start_host

pytestmark = pytest.mark.e2e

DEMO_DEADLINE_SECONDS = 180
STEPS_EN = (
    "Bram (school) registers a signal about the same child: a match!",
    "Anna (JGZ) takes coordination",
    "A draft family plan is ready with Anna as coordinator",
    "Anna (JGZ) adds Eva as a parent with authority.",
    "Eva (parent) finds the plan and consents to",
    "Gert (night nurse) is offered the chat",
    "and accepts it.",
    "Gert (night nurse) starts video from the chat.",
    "Eva (parent) and Gert (night nurse) join the same video meeting, each as their own attendee.",
    "Gert (night nurse) ends with a referral to the family's own JGZ team",
    "Anna (JGZ) finds the handover in her inbox in the morning",
    "Done: the whole story has been played.",
)
STEPS_NL = (
    "Bram (school) geeft een signaal af over hetzelfde kind: match!",
    "Er staat een concept-gezinsplan klaar met Anna als regisseur",
    "Eva (ouder) vindt het plan en geeft",
    "Gert (nachtverpleegkundige) start video vanuit de chat.",
    "Anna (JGZ) vindt 's ochtends de overdracht in haar inbox",
    "Klaar: het hele verhaal is gespeeld.",
)


@pytest.fixture(scope="module")
def demo_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    running = start_host(tmp_path_factory.mktemp("demo-host"), extra_manifests=())
    yield running
    running.stop()


def play(api: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``make demo`` as the Makefile runs it, against ``api``."""
    return subprocess.run(
        [sys.executable, "-m", "infra.demo", "--api", api, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DEMO_DEADLINE_SECONDS,
        check=False,
    )


def lines_with(output: str, step: str) -> list[str]:
    return [line for line in output.splitlines() if step in line]


def assert_nothing_about_the_child_or_a_session(output: str) -> None:
    assert not re.search(r"(?<!\d)\d{9}(?!\d)", output), output  # no BSN
    assert "eyJ" not in output and "JoinToken" not in output, output  # no ID token, no join token


def test_the_demo_plays_the_whole_story_in_english_and_again_on_the_same_host_in_dutch(
    demo_host: RunningHost,
) -> None:
    english = play(demo_host.api, "--language", "en")

    assert english.returncode == 0, f"{english.stdout}\n{english.stderr}\n{demo_host.log_tail()}"
    for step in STEPS_EN:
        assert len(lines_with(english.stdout, step)) == 1, f"{step!r} not printed once:\n{english.stdout}"
    chat = lines_with(english.stdout, " reads it.")
    assert [line.split(":")[0] for line in chat] == ["Eva (parent)", "Gert (night nurse)"] * 2  # two each way
    assert "03:00" in lines_with(english.stdout, "The clock moves on to the night")[0]
    assert "08:30" in lines_with(english.stdout, "The clock moves on to the morning")[0]
    assert_nothing_about_the_child_or_a_session(english.stdout + english.stderr)

    # Again on the same host, in Dutch (the default): the next child, so Anna is alone until Bram signals.
    dutch = play(demo_host.api)

    assert dutch.returncode == 0, f"{dutch.stdout}\n{dutch.stderr}\n{demo_host.log_tail()}"
    for step in STEPS_NL:
        assert len(lines_with(dutch.stdout, step)) == 1, f"{step!r} not printed once:\n{dutch.stdout}"
    assert lines_with(dutch.stdout, "Anna (JGZ) geeft een signaal af")[0].endswith("nog geen match.")
    assert_nothing_about_the_child_or_a_session(dutch.stdout + dutch.stderr)


def test_without_a_host_the_demo_says_to_start_one_and_exits_2() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    played = play(f"http://127.0.0.1:{port}", "--language", "en")

    assert played.returncode == 2, played.stdout + played.stderr
    assert "start it first with `make run`" in played.stderr
    assert played.stdout == ""
