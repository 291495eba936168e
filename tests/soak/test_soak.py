"""The soak's own detectors: each counts the defect planted for it, so a zero means something.

``make soak`` reports zero defects only if its checks can see defects at all: an untyped
error, a lost operation, a POST received twice, a secret in an exception's chain, its frames
or a log line, an unclosed session, a task or socket left behind. Then one small run of each
(soak and fuzz) must come out clean.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import time
from typing import Any

import aiohttp
import pytest

from mdmkit.core.errors import MDMError, NotFoundError, TransportError
from mdmkit.testing.requestlog import RecordedRequest
from tests.soak import hostile
from tests.soak.__main__ import figures_of
from tests.soak.figures import DEFECTS, Figures, classify, render_table
from tests.soak.fuzz import CaseLog, FuzzSettings, HostileServer, case_of, route_of, run_fuzz
from tests.soak.operations import TAG_HEADER, SoakSettings, plan, run_soak, writes_twice
from tests.soak.watch import Leftovers, SecretScan

pytestmark = pytest.mark.anyio

SECRET = "s3cr3t-api-key-0123456789"
TOKEN = "1000." + "a" * 32 + "." + "b" * 32


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ({"finished": True, "result": 1, "expected": int}, "result"),
        ({"finished": True, "error": NotFoundError("gone", status=404)}, "typed"),
        ({"finished": True, "error": asyncio.CancelledError(), "cancel_requested": True},
         "cancelled"),
        ({"finished": False}, "lost"),
        ({"finished": True, "result": None, "expected": int}, "lost"),
        ({"finished": True, "result": 1, "cancel_requested": True}, "lost"),
        ({"finished": True, "error": KeyError("x")}, "untyped"),
        ({"finished": True, "error": asyncio.CancelledError()}, "untyped"),
        ({"finished": True, "error": ExceptionGroup("g", [NotFoundError("x", status=404)])},
         "untyped"),
    ],
)  # fmt: skip
def test_classify_tells_results_typed_errors_and_defects_apart(
    given: dict[str, Any], kind: str
) -> None:
    assert classify(**given).kind == kind


def test_lost_and_untyped_outcomes_are_defects_with_their_example() -> None:
    figures = Figures("t")
    figures.record(classify(finished=True, error=KeyError("x")), "#1 get")
    figures.record(classify(finished=True, error=TransportError("down")), "#2 get")
    assert figures.defects == {"untyped": 1}
    assert figures.typed == {"TransportError": 1}
    assert "#1 get: KeyError" in figures.samples["untyped"][0]
    table = render_table([figures], seed=5, seconds=1.0)
    assert "seed 5" in table
    assert "total defects" in table
    assert all(label in table for label in DEFECTS.values())


def _post(path: str, status: int, tag: str | None, fault: str | None = None) -> RecordedRequest:
    return RecordedRequest(
        method="POST",
        path=path,
        query={},
        query_pairs=(),
        headers={} if tag is None else {TAG_HEADER: tag},
        content_type=None,
        body=b"",
        form={},
        files={},
        json=None,
        status=status,
        fault=fault,
        authenticated=True,
    )


@pytest.mark.parametrize(
    ("exit_code", "out"),
    [(1, b""), (1, b"Traceback (most recent call last):\n"), (0, b"[]"), (-9, b"{}")],
)
def test_a_child_run_that_printed_no_figures_is_a_clear_failure(exit_code: int, out: bytes) -> None:
    # a crash exits 1 like a run that found defects; it once ended in json's "Expecting value"
    with pytest.raises(SystemExit, match=r"the soak run failed \(exit -?\d+\) without printing"):
        figures_of("soak", exit_code, out)


def test_a_child_run_hands_its_figures_to_the_parent() -> None:
    figures = Figures("fuzz", operations=3)
    figures.outcomes["results"] += 2
    for exit_code in (0, 1):  # 1: the run found defects, and printed them
        assert figures_of("fuzz", exit_code, json.dumps(figures.to_json()).encode()) == figures


def test_a_post_acted_on_twice_for_one_operation_is_counted() -> None:
    figures = Figures("t")
    records = [
        _post("/devices/1/lock", 429, "7", "RateLimited"),  # refused: a retry is right
        _post("/devices/1/lock", 202, "7"),
        _post("/devices/2/lock", 0, "8", "Drop"),  # may have acted
        _post("/devices/2/lock", 202, "8"),  # sent again: a defect
        _post("/devices/3/lock", 202, "9"),
        _post("/devices/3/lock", 202, "10"),  # another operation: fine
    ]
    assert writes_twice(records, "fake", figures) == 1
    assert "/devices/2/lock 2 times for op 8" in figures.samples["writes_twice"][0]


def test_the_fuzz_server_counts_a_post_sent_again_after_an_answer_that_was_no_refusal() -> None:
    figures = Figures("t")
    server = HostileServer(1, _no_templates, figures, SecretScan(figures))
    log = CaseLog(answers=["POST /devices/1/lock <- framing"], posts={"/devices/1/lock": False})
    server._check_post(3, log, "POST", "/devices/1/lock")
    refused = CaseLog(answers=["POST /x <- throttle"], posts={"/x": True})
    server._check_post(4, refused, "POST", "/x")
    assert figures.defects == {"writes_twice": 1}


async def _no_templates(method: str, path: str) -> Any:
    return None


def test_secrets_are_found_anywhere_in_an_exception_graph_and_in_frames() -> None:
    figures = Figures("t")
    scan = SecretScan(figures)
    scan.add(SECRET, TOKEN, "short")
    chained = MDMError("wrapped")
    chained.__cause__ = ValueError({"Authorization": f"Zoho-oauthtoken {TOKEN}"})
    assert scan.error("chain", chained) >= 1
    # a function of an mdmkit module whose local holds the key, its error message clean
    planted: dict[str, Any] = {"__name__": "mdmkit.planted", "MDMError": MDMError}
    exec("def call(header):\n    raise MDMError('not found')\n", planted)
    with pytest.raises(MDMError) as framed:
        planted["call"](f"Basic {SECRET}")
    assert scan.error("frames", framed.value) == 1
    assert scan.error("clean", MDMError("nothing to see")) == 0
    assert scan.texts_of("text", [("x", "short short")]) == 0  # too short to be searched
    assert figures.defects["secrets"] >= 2


def test_a_log_line_holding_a_secret_is_found_when_flushed() -> None:
    figures = Figures("t")
    scan = SecretScan(figures)
    scan.add(SECRET)
    logger = logging.getLogger("mdmkit.soak-test")
    with scan.logging():
        logger.debug("sending key %s", SECRET)
        logger.debug("nothing secret")
    scan.flush()
    assert figures.defects == {"secrets": 1}


async def test_an_unclosed_session_a_task_and_a_socket_are_counted() -> None:
    figures = Figures("t")
    leftovers = Leftovers(figures)
    with leftovers.warnings():
        leftovers.start()
        session = aiohttp.ClientSession()
        task = asyncio.create_task(asyncio.sleep(3600))
        probe = socket.socket()
        await leftovers.finish(settle=0.1)
        del session  # never closed: aiohttp warns when it is collected
    leftovers.count_warnings()
    task.cancel()
    probe.close()
    examples = " ".join(figures.samples["unclosed"])
    assert "task left running" in examples
    assert "socket(s) left open" in examples
    assert "Unclosed client session" in examples


def test_the_plan_and_the_hostile_answers_are_the_same_for_the_same_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = SoakSettings(seed=11, operations=1000)
    assert plan(settings) == plan(settings)
    assert plan(settings) != plan(SoakSettings(seed=12, operations=1000))
    assert sum(p.cancel_after is not None for p in plan(settings)) >= 1
    template = {"data": [{"id": 1, "attributes": {"name": "x"}}], "has_more": False}

    def answers_at(clock: float) -> list[hostile.Answer]:
        # gzip stamps the time into its header: the same seed a minute later is the same bytes
        monkeypatch.setattr(time, "time", lambda: clock)
        return [
            hostile.api_answer(random.Random(f"1:{n}"), template, error_body={}) for n in range(50)
        ]

    first = answers_at(1_700_000_000.0)
    assert sum(a.family == "encoding" for a in first) >= 1
    assert first == answers_at(1_700_000_060.0)
    assert case_of(3, 10) == case_of(3, 10)


def test_every_family_of_hostile_answers_is_drawn() -> None:
    template = {"devices": [{"device_id": 1}], "paging": {"next": hostile.ORIGIN + "/x"}}
    families = {
        hostile.api_answer(random.Random(n), template, error_body={"error_code": "X"}).family
        for n in range(2000)
    }
    assert families == {
        "mutated", "status", "json", "deep", "numbers", "garbage", "encoding", "framing",
        "redirect", "throttle", "auth", "content-type",
    }  # fmt: skip
    tokens = {hostile.token_answer(random.Random(n)).family for n in range(500)}
    assert {"token", "token values", "token refusal", "token garbage"} <= tokens
    filled = hostile.fill(hostile.Answer(b'{"next": "{{ORIGIN}}/x"}', "t"), "http://h/w1")
    assert filled.data == b'{"next": "http://h/w1/x"}'
    assert route_of("/api/v1/devices/12/users") == "/api/v1/devices/{id}/users"


async def test_a_small_soak_over_both_fakes_has_no_defect() -> None:
    figures = await run_soak(SoakSettings(seed=5, operations=60, workers=6), lambda _: None)
    assert figures.operations == 60
    assert figures.outcomes["result"] > 0
    assert figures.info["requests"] > 60
    assert figures.total_defects == 0, figures.samples


async def test_a_small_fuzz_run_has_no_defect() -> None:
    figures = await run_fuzz(FuzzSettings(seed=5, bodies=150, workers=8), lambda _: None)
    assert figures.info["bodies"] >= 150
    assert figures.outcomes["typed"] > 0
    assert figures.total_defects == 0, figures.samples
