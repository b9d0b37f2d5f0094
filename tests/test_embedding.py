"""Embedding backends and devices: exported models agree with PyTorch, an index keeps the
backend it was built with, and a device this machine lacks is refused by name."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rag.chunking import Chunker, chunk_text_for_search
from rag.embedding import SentenceTransformerEmbedder, resolve_device
from rag.indexing import Indexer
from rag.loading import load_paths
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import IndexMismatch, Store

from .conftest import GERMANY_CANADA, ROOT, SEEDS


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    pytest.importorskip("onnxruntime", reason="the 'fast' extra (onnxruntime) is not installed")
    pytest.importorskip("openvino", reason="the 'fast' extra (openvino) is not installed")
    return tmp_path_factory.mktemp("exports")


def _passages() -> list[str]:
    chunker = Chunker(200, 40)
    return [chunk_text_for_search(a.title, c) for a in load_paths([SEEDS]).articles
            for c in chunker.run(a)]


@pytest.mark.parametrize("backend", ["onnx", "openvino"])
def test_an_exported_model_embeds_as_pytorch_does(exports, backend):
    texts = _passages()
    exported = SentenceTransformerEmbedder(backend=backend, exports=exports)
    torch = SentenceTransformerEmbedder(backend="torch")
    cosines = (exported.encode(texts) * torch.encode(texts)).sum(axis=1)
    assert cosines.min() >= 0.999, cosines.min()
    assert exported.name == f"all-MiniLM-L6-v2@{backend}" and exported.device == "cpu"


def test_an_index_keeps_its_backend_readers_follow_it_and_writers_of_another_are_refused(
        tmp_path, exports):
    settings = Settings.load(index_dir=tmp_path / "index" / "main", embed_backend="onnx-int8")
    int8 = SentenceTransformerEmbedder(backend="onnx-int8", exports=exports)
    Indexer(settings, int8).run([SEEDS], progress=False)
    assert Store.model_of(settings.index_dir) == "all-MiniLM-L6-v2@onnx-int8"

    reader = Pipeline(replace(settings, embed_backend=""))  # the index's own backend
    assert reader.embedder.name == "all-MiniLM-L6-v2@onnx-int8"
    answer = reader.ask(GERMANY_CANADA)
    assert "Canada" in answer.text and "Germany" in answer.text

    torch_settings = replace(settings, embed_backend="torch")
    with pytest.raises(IndexMismatch, match="onnx-int8"):
        Indexer(torch_settings).run([SEEDS], progress=False)
    with pytest.raises(IndexMismatch, match="--embed-backend"):
        Pipeline(torch_settings)


def test_vectors_of_another_backend_never_come_from_the_cache(tmp_path, embedder, exports):
    """One embedding cache per model: an int8 vector must not be served to an index of the
    default backend."""
    root = tmp_path / "index"
    int8 = SentenceTransformerEmbedder(backend="onnx-int8", exports=exports)
    Indexer(Settings.load(index_dir=root / "a", embed_backend="onnx-int8"), int8).run(
        [SEEDS], progress=False)
    report = Indexer(Settings.load(index_dir=root / "b"), embedder).run([SEEDS], progress=False)
    assert report.chunks_embedded == report.chunks_indexed > 0


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_a_device_this_machine_lacks_is_refused_by_name(tmp_path):
    assert resolve_device("auto") in ("cpu", "mps")
    with pytest.raises(ValueError, match="no CUDA device"):
        resolve_device("cuda")
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "index", str(SEEDS), "--index",
         str(tmp_path / "index" / "x"), "--device", "cuda"],
        cwd=ROOT, capture_output=True, text=True, env={"HF_HUB_OFFLINE": "1",
                                                       "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert "--device cuda: this machine's PyTorch sees no CUDA device" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_new_index_on_a_cpu_is_embedded_with_openvino_and_read_with_it(tmp_path):
    """The default backend (BENCHMARKS.md: the same retrieval quality as PyTorch, 2.3-2.7x
    faster on 2 cores), exported once into the user's cache."""
    settings = Settings.load(index_dir=tmp_path / "index" / "new", device="cpu")
    Indexer(settings).run([SEEDS], progress=False)
    assert Store.model_of(settings.index_dir) == "all-MiniLM-L6-v2@openvino"
    answer = Pipeline(replace(settings, device="auto")).ask(GERMANY_CANADA)
    assert "Canada" in answer.text and "Germany" in answer.text
