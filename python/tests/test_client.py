"""The relay clients (blocking and asyncio) against a real ``baton serve``: the
seed's flow, lease tokens, long-poll waiting, listing and the RelayError shape."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import Iterator

import pytest

import baton
from baton import AsyncBaton, Baton, RelayError

from relay_server import BACKENDS, Relay, start_relay


@pytest.fixture(scope="module", params=BACKENDS)
def relay(request: pytest.FixtureRequest) -> Iterator[Relay]:
    yield from start_relay(request.param)


@pytest.fixture()
def client(relay: Relay) -> Iterator[Baton]:
    with Baton(relay.token, base_url=relay.url) as c:
        yield c


def test_the_seed_flow_pass_catch_done(client: Baton) -> None:
    handoff = client.pass_("Review and improve this draft", output={"draft": "Hello, I wanted to follow up..."})
    assert handoff["status"] == "pending"
    assert handoff["pickup_url"].endswith(f"/api/catch/{handoff['baton_id']}")
    job = client.catch(handoff["pickup_url"])
    assert job["task"] == "Review and improve this draft"
    assert job["output"] == {"draft": "Hello, I wanted to follow up..."}
    assert job["status"] == "caught"
    done = client.done(job["baton_id"], output={"revised": "Dear colleague, ..."})
    assert done["status"] == "done"
    state = client.status(handoff["baton_id"])
    assert state["status"] == "done"
    assert state["output"] == {"revised": "Dear colleague, ..."}


def test_a_patch_given_to_done_is_applied_and_recorded(client: Baton) -> None:
    start = baton.create({"goal": "Add user auth"}, stage="planner")
    handoff = client.pass_("Implement it", baton=start, to="implementer")
    job = client.catch(handoff["baton_id"])
    assert job["baton"] == start
    done = client.done(job["baton_id"], baton_patch={"decision_log": {"add": ["Chose JWT"]}}, stage="implementer")
    assert done["baton"] is not None
    assert done["baton"]["decision_log"] == ["Chose JWT"]
    assert done["baton"]["history"][-1]["stage"] == "implementer"
    assert baton.verify(done["baton"])["ok"]


def test_done_sends_this_clients_lease_so_redelivered_work_is_refused(relay: Relay) -> None:
    with Baton(relay.token, base_url=relay.url) as first, Baton(relay.token, base_url=relay.url) as second:
        handoff = first.pass_("Crash-prone work", lease_seconds=1)
        a = first.catch(handoff["baton_id"])
        time.sleep(1.2)  # the lease ends
        b = second.catch(handoff["baton_id"])
        assert a["lease_token"] != b["lease_token"]
        assert b["attempt"] == 2
        with pytest.raises(RelayError) as late:
            first.done(handoff["baton_id"], output="late")
        assert (late.value.status, late.value.code) == (409, "stale_lease")
        assert second.done(handoff["baton_id"], output="on time")["output"] == "on time"


def test_wait_returns_when_another_agent_finishes(relay: Relay, client: Baton) -> None:
    handoff = client.pass_("Await me")

    def worker() -> None:
        with Baton(relay.token, base_url=relay.url) as w:
            time.sleep(0.3)
            w.catch(handoff["pickup_url"])
            w.done(handoff["baton_id"], output={"result": "Done!"})

    thread = threading.Thread(target=worker)
    thread.start()
    state = client.wait(handoff["baton_id"], timeout=20)
    thread.join()
    assert state["status"] == "done"
    assert state["output"] == {"result": "Done!"}


def test_list_handoffs_finds_work_addressed_to_an_agent(client: Baton) -> None:
    to = f"lister-{uuid.uuid4()}"
    a = client.pass_("first", to=to)
    b = client.pass_("second", to=to)
    client.pass_("someone else", to=to + "-other")
    assert [h["baton_id"] for h in client.list_handoffs(to=to, status="pending")["handoffs"]] == [
        a["baton_id"], b["baton_id"]]
    client.catch(a["pickup_url"])
    assert [h["task"] for h in client.list_handoffs(to=to, status="pending")["handoffs"]] == ["second"]


def test_an_idempotency_key_returns_the_first_handoff(client: Baton) -> None:
    key = f"retry-{uuid.uuid4()}"
    one = client.pass_("Once", idempotency_key=key)
    assert client.pass_("Once", idempotency_key=key)["baton_id"] == one["baton_id"]
    with pytest.raises(RelayError) as err:
        client.pass_("Different", idempotency_key=key)
    assert (err.value.status, err.value.code) == (422, "idempotency_mismatch")


def test_relay_failures_raise_relay_error_with_the_problem(relay: Relay, client: Baton) -> None:
    with pytest.raises(RelayError) as missing:
        client.catch("00000000-0000-4000-8000-000000000000")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
    assert missing.value.problem["code"] == "not_found"
    with Baton("baton_wrong", base_url=relay.url) as intruder, pytest.raises(RelayError) as denied:
        intruder.pass_("x")
    assert (denied.value.status, denied.value.code) == (401, "unauthorized")
    with pytest.raises(RelayError) as invalid:
        client.pass_("x", baton={"goal": ""})
    assert invalid.value.code == "invalid_baton"
    assert [(e["code"], e["path"]) for e in invalid.value.errors] == [("empty", "/goal")]


def test_an_unreachable_relay_is_status_zero() -> None:
    with Baton("baton_x", base_url="http://127.0.0.1:9") as nowhere, pytest.raises(RelayError) as err:
        nowhere.status("anything")
    assert (err.value.status, err.value.code) == (0, "unreachable")


def test_bad_arguments_are_type_errors(client: Baton) -> None:
    with pytest.raises(TypeError):
        Baton("")
    with pytest.raises(TypeError):
        client.catch("")


def test_the_async_client_runs_the_same_flow(relay: Relay) -> None:
    async def flow() -> None:
        async with AsyncBaton(relay.token, base_url=relay.url) as passer, \
                AsyncBaton(relay.token, base_url=relay.url) as worker:
            to = f"async-worker-{uuid.uuid4()}"
            handoff = await passer.pass_("Async work", output={"n": 1}, to=to)
            waiting = asyncio.ensure_future(passer.wait(handoff["baton_id"], timeout=20))
            try:
                pending = await worker.list_handoffs(to=to, status="pending")
                job = await worker.catch(pending["handoffs"][0]["pickup_url"])
                assert job["output"] == {"n": 1}
                with pytest.raises(RelayError) as twice:
                    await passer.catch(handoff["baton_id"])
                assert twice.value.code == "already_caught"
                await worker.done(job["baton_id"], output={"n": 2})
                state = await waiting
            finally:
                waiting.cancel()
            assert state["status"] == "done"
            assert state["output"] == {"n": 2}

    asyncio.run(flow())
