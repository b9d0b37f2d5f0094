"""One typed settings object drives the library, the CLI and the app.

Precedence: defaults < environment (`RAG_<FIELD>`, e.g. `RAG_MODEL`) < command-line flags.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index/default")
    # Embedding model: the packaged MiniLM by name, or any local sentence-transformers path.
    model: str = DEFAULT_MODEL
    # Where and how passages are embedded. device: auto (CUDA, else MPS, else the CPU), cpu,
    # cuda or mps; vectors agree across devices (cosine >= 0.999), so one index can be extended
    # from any. embed_backend: torch, or the model exported (once, locally) to onnx, onnx-int8,
    # openvino or openvino-int8 (CPU only; the onnx ones and int8 need the `fast` extra);
    # BENCHMARKS.md compares them. An index records its backend and refuses vectors of another;
    # empty = the index's own (for a new one: openvino on a CPU, torch on a GPU).
    # batch_size: texts per forward pass; 0 = by device (32 on a CPU, 512 on CUDA, 64 on MPS).
    device: str = "auto"
    embed_backend: str = ""
    batch_size: int = 0
    # Indexing only: embed on a Ray cluster (rag/cluster.py, the `ray` extra): "local" starts
    # one on this machine, an address (ray://HOST:10001, HOST:6379, auto) joins one; empty:
    # embed here.
    ray: str = ""
    # Chunking, in cl100k tokens. MiniLM truncates at 256 word pieces: 200 tokens (plus the
    # title) still fit, 256 lose their tail in over half the chunks. The sweep in BENCHMARKS.md
    # found 200 at least as good as 128 and 160 for retrieval, with fewer chunks to embed.
    chunk_tokens: int = 200
    chunk_overlap: int = 40
    # Store: "sq8" keeps vectors as 8-bit scalar codes (a quarter of the memory, BENCHMARKS.md
    # "Scale"), "none" as float32. Above `ann_min` passages the vectors are searched with an IVF
    # index (approximate, recall@100 >= 0.95 measured) instead of exactly. Both are recorded
    # by a new index and changed with `rag index --rebuild`.
    quantize: str = "none"
    ann_min: int = 200_000
    # Where the index lives: empty = the embedded store in index_dir (above); "milvus:URI" = a
    # Milvus server (milvus:http://HOST:19530) or a Milvus Lite file (milvus:/path/file.db),
    # the index named after index_dir's folder (the `milvus` extra; rag/store/milvus.py).
    store: str = ""
    # Retrieval.
    k: int = 5
    candidates: int = 100  # per retriever, before fusion
    rrf_k: int = 60
    # Recency, for questions that name no date: a passage's fused score is weighted by
    # floor + (1 - floor) * 0.5 ** (age in days / half-life), age counted back from the as-of
    # date (for a named event date, days outside its window). On the RealTime QA dev questions
    # hit@5 is 0.86-0.88 for half-lives of 4 to 28 days and 0.83 without (BENCHMARKS.md): 14
    # days sits in the middle of that plateau. 0 turns it off.
    recency_half_life_days: float = 14.0
    recency_floor: float = 0.5
    # Answering: below this support score the answer abstains. On eval/seeds.jsonl every
    # answerable question scores 0.49 or more; on-topic questions the articles can't answer
    # score 0.18-0.58 (BENCHMARKS.md), so 0.45 abstains on some without losing answers.
    min_support: float = 0.45
    # Answers whose support is below this carry a note that the evidence is weak: on the seeds
    # eval, 3 of the 4 unanswerable questions that still got an answer score 0.45-0.55.
    weak_support: float = 0.55
    max_answer_sentences: int = 3
    max_question_chars: int = 2000
    # Answer backend: "extractive" (quotes, no model), "openai" (any OpenAI-compatible chat
    # server: vLLM, Ollama, llama.cpp server, LM Studio, OpenAI) or "llama" (a GGUF in-process,
    # the `llm` extra). Generated sentences are kept only when their cited passage supports them
    # (`verify_support`, see rag/verifying.py); otherwise the extractive answer is given.
    backend: str = "extractive"
    base_url: str = "http://127.0.0.1:8080/v1"
    api_model: str = "default"  # model name sent to the server
    api_key: str = ""  # RAG_API_KEY, else OPENAI_API_KEY; never printed
    timeout: float = 60.0  # seconds without a byte from the server, and for a whole answer x2
    gguf: str = ""  # llama backend: a GGUF path; empty = the packaged Qwen2.5-Coder-0.5B-Instruct
    context_window: int = 4096  # tokens: prompt + answer must fit
    max_tokens: int = 150  # answer tokens: one to three sentences need under 100
    # What a model reads: "evidence" (the sentences the extractive answerer selected, a few
    # hundred tokens; it abstains without a model call when they hold no answer) or
    # "passages" (the whole retrieved passages). BENCHMARKS.md compares the two.
    prompt: str = "evidence"
    verify_support: float = 0.5  # longer "questions" are pasted documents, not questions
    # Loading: larger files are skipped with a message rather than read into memory.
    max_file_mb: float = 50.0
    # Fetching pages and feeds (rag add URL, rag feeds): seconds to wait for a server, the
    # largest page read, and politeness per host: requests at once, and seconds between them
    # (a longer Crawl-delay in its robots.txt wins).
    fetch_timeout: float = 20.0
    fetch_max_mb: float = 10.0
    fetch_per_host: int = 2
    fetch_delay: float = 1.0

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then `RAG_*` environment variables, then explicit (non-None) overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"RAG_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(values["index_dir"])
        return replace(cls(), **values)

    def index_fingerprint(self) -> dict[str, Any]:
        """The settings an index is built with; a different value means a different index."""
        return {"chunk_tokens": self.chunk_tokens, "chunk_overlap": self.chunk_overlap}

    def to_json(self) -> dict[str, Any]:
        """For `rag info` and reports: the API key is shown only as set or not."""
        out = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}
        out["api_key"] = "***" if self.api_key else ""
        return out


def _coerce(type_name: Any, raw: str, name: str) -> Any:
    kind = {"int": int, "float": float, "Path": Path, "str": str}[str(type_name)]
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"RAG_{name.upper()}={raw!r} is not a valid {type_name}") from None
