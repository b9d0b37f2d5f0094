"""README command (1) as a new user runs it: `scripts/start.sh` installs, indexes the seeds and
starts the app, and says nothing that looks like a problem (CI runs this on a fresh clone)."""

from __future__ import annotations

import os
import re

from eval.model_server import free_port, running

from .conftest import ROOT


def test_start_sh_prints_no_warnings(tmp_path):
    port = free_port()
    log = tmp_path / "start.log"
    env = {**os.environ, "PORT": str(port), "RAG_INDEX_DIR": str(tmp_path / "index"),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    with running(["bash", str(ROOT / "scripts" / "start.sh")], f"http://127.0.0.1:{port}/",
                 log, 900.0, cwd=ROOT, env=env):
        pass
    said = log.read_text()
    assert "2 articles" in said and "Starting the chat app" in said
    problem = re.compile(r"\bwarn(ing)?\b|\berror\b|traceback", re.IGNORECASE)
    assert [line for line in said.splitlines() if problem.search(line)] == []
