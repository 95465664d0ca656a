"""A throwaway ``baton serve`` (the CLI built by cargo) on a free loopback port,
for the client tests: on SQLite in a fresh data directory (the relay prints its
first token on stdout), or on the PostgreSQL of ``BATON_TEST_DATABASE_URL``
with a token of a fresh workspace made by ``baton token create``. It prints
``baton: listening on http://ADDR`` on stderr."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator, List, NamedTuple, Optional

ROOT = Path(__file__).resolve().parents[2]


class Relay(NamedTuple):
    url: str
    token: str


#: The storage backends to test on: SQLite always, PostgreSQL when one is given.
BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("BATON_TEST_DATABASE_URL") else [])


def start_relay(backend: str = "sqlite") -> Iterator[Relay]:
    """Yields a running relay, stops it afterwards (a generator for a pytest fixture)."""
    binary = os.environ.get("BATON_BIN", str(ROOT / "target" / "debug" / "baton"))
    with tempfile.TemporaryDirectory(prefix="baton-relay-") as data_dir:
        storage: List[str] = ["--data-dir", data_dir]
        given: Optional[str] = None
        if backend == "postgres":
            storage = ["--database", os.environ["BATON_TEST_DATABASE_URL"]]
            made = subprocess.run(
                [binary, "--json", "token", "create", "--workspace", f"client-{uuid.uuid4()}", *storage],
                check=True, capture_output=True, text=True,
            )
            given = json.loads(made.stdout)["token"]
        child = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", *storage],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        out: list[str] = []
        err: list[str] = []
        threads = [
            threading.Thread(target=lambda s=stream, sink=sink: sink.extend(iter(s.readline, "")), daemon=True)
            for stream, sink in ((child.stdout, out), (child.stderr, err))
        ]
        for t in threads:
            t.start()
        try:
            deadline = time.monotonic() + 30
            while True:
                url = re.search(r"listening on (http://\S+)", "".join(err))
                found = re.search(r"^(baton_\S+)$", "".join(out), re.M)
                token = given or (found.group(1) if found else None)
                if url and token:
                    break
                if child.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"baton serve did not start:\n{''.join(err)}")
                time.sleep(0.02)
            yield Relay(url.group(1), token)
        finally:
            child.terminate()
            child.wait(timeout=10)
