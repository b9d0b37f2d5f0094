"""`llama_cpp.server` on a free loopback port: the real OpenAI-compatible server that the
`openai` backend's tests and benchmark talk to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(command: list[str], ready: str, log: Path, start_timeout: float = 120.0,
            **popen) -> Iterator[subprocess.Popen]:
    """`command` with its output in `log`, once a GET of the URL `ready` answers; stopped on
    exit. RuntimeError with the end of its log if it does not answer within `start_timeout`
    seconds (the llama server here, and `rag serve` in the tests)."""
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
        deadline = time.monotonic() + start_timeout
        try:
            while True:
                try:
                    urllib.request.urlopen(ready, timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{command[2]} did not start:\n"
                                           f"{log.read_text()[-3000:]}") from None
                    time.sleep(0.5)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def llama_server(gguf: Path, log: Path, context_window: int = 4096,
                 start_timeout: float = 120.0) -> Iterator[str]:
    """Yields the server's API root (`http://127.0.0.1:PORT/v1`); RuntimeError with the end of
    its log if it does not answer within `start_timeout` seconds."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    with running([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host",
                  "127.0.0.1", "--port", str(port), "--n_ctx", str(context_window)],
                 f"{url}/models", log, start_timeout,
                 env={**os.environ, "PYTHONUNBUFFERED": "1"}):
        yield url
