"""Chat models behind one method, `stream(messages, max_tokens) -> Iterator[str]`.

`OpenAIClient` speaks the OpenAI chat API over HTTP (vLLM, Ollama, llama.cpp server, LM Studio,
OpenAI); `LlamaClient` runs a GGUF in this process with llama-cpp-python (the `llm` extra).
Every failure a user can cause or meet (server down or slow, model or package missing, prompt
too long) is raised as `LLMError` with a message meant for them, so the caller can fall back.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Protocol

import httpx

from rag.chunking import count_tokens
from rag.models import INSTALL_HINT, ModelUnavailable, packaged_gguf
from rag.settings import Settings

Message = dict[str, str]
BACKENDS = ("extractive", "openai", "llama")


class LLMError(RuntimeError):
    pass


class ChatClient(Protocol):
    name: str

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]: ...

    def count_tokens(self, text: str) -> int: ...


class OpenAIClient:
    """`streaming=False` asks for the whole reply at once, for servers that can't stream."""

    name = "openai"
    CONNECT_TIMEOUT = 5.0

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 60.0,
                 streaming: bool = True):
        self.base_url, self.model, self.api_key = base_url.rstrip("/"), model, api_key
        self.timeout, self.streaming = timeout, streaming

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        payload = {"model": self.model, "messages": messages, "max_tokens": max_tokens,
                   "temperature": 0, "stream": self.streaming}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        # The read timeout catches a silent server; the deadline one that trickles forever.
        deadline = time.monotonic() + 2 * self.timeout
        timeout = httpx.Timeout(self.timeout, connect=min(self.CONNECT_TIMEOUT, self.timeout))
        where = f"the model server at {self.base_url}"
        try:
            with httpx.Client(timeout=timeout) as http, http.stream(
                    "POST", f"{self.base_url}/chat/completions", json=payload,
                    headers=headers) as r:
                if r.status_code >= 400:
                    r.read()
                    raise LLMError(f"{where} answered HTTP {r.status_code}: {r.text[:300]}")
                if not self.streaming:
                    r.read()
                    yield r.json()["choices"][0]["message"]["content"] or ""
                    return
                for line in r.iter_lines():
                    if time.monotonic() > deadline:
                        raise LLMError(f"{where} took over {2 * self.timeout:g} s to answer")
                    data = line.removeprefix("data:").strip()
                    if not line.startswith("data:") or not data:
                        continue
                    if data == "[DONE]":
                        return
                    choices = json.loads(data).get("choices") or [{}]
                    if delta := (choices[0].get("delta") or {}).get("content"):
                        yield delta
        except httpx.ConnectError as e:
            raise LLMError(f"cannot reach {where} ({e}); is it running? Set it with "
                           "--base-url or RAG_BASE_URL") from None
        except httpx.TimeoutException:
            raise LLMError(f"{where} sent nothing for {self.timeout:g} s "
                           "(--timeout or RAG_TIMEOUT)") from None
        except httpx.HTTPError as e:
            raise LLMError(f"{where} failed: {e}") from None
        except (json.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
            raise LLMError(f"{where} did not answer like an OpenAI chat API") from None

    def count_tokens(self, text: str) -> int:
        """cl100k: the server's tokenizer is unknown; prompts keep a margin for the difference."""
        return count_tokens(text)


class LlamaClient:
    name = "llama"

    def __init__(self, model_path: Path, context_window: int):
        self.llm = _load_llama(str(model_path), context_window)

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        with _LLAMA_LOCK:
            try:
                for chunk in self.llm.create_chat_completion(
                        messages, max_tokens=max_tokens, temperature=0, stream=True):
                    if delta := chunk["choices"][0]["delta"].get("content"):
                        yield delta
            except (ValueError, RuntimeError) as e:  # "exceed context window", decode errors
                raise LLMError(f"the llama model failed on this prompt: {e}") from None

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))


_LLAMA_LOCK = threading.Lock()  # a llama context runs one generation at a time


@cache
def _load_llama(path: str, context_window: int):
    """Once per process: loading takes seconds and the app, eval and tests reuse it."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMError(f"the llama backend needs llama-cpp-python: {INSTALL_HINT}")
    from llama_cpp import Llama

    if not Path(path).is_file():
        raise LLMError(f"model file {path} not found (--gguf or RAG_GGUF)")
    try:
        # llama-cpp-python's default of half the cores: with every core, a core taken by
        # anything else stalls all threads at each step (measured: several times slower).
        return Llama(model_path=path, n_ctx=context_window, verbose=False)
    except (ValueError, RuntimeError) as e:
        raise LLMError(f"llama-cpp-python cannot load {path}: {e}") from None


def connect(settings: Settings) -> ChatClient:
    """The client for `settings.backend`; LLMError when it cannot run here."""
    if settings.backend == "openai":
        key = settings.api_key or os.environ.get("OPENAI_API_KEY", "")
        return OpenAIClient(settings.base_url, settings.api_model, key, settings.timeout)
    if settings.backend == "llama":
        try:
            path = Path(settings.gguf) if settings.gguf else packaged_gguf()
        except ModelUnavailable as e:
            raise LLMError(str(e)) from None
        return LlamaClient(path, settings.context_window)
    raise LLMError(f"no chat model for backend {settings.backend!r}")


def available(settings: Settings) -> list[str]:
    """Backends that can answer here: what the app offers. The openai one needs a server
    that answers `GET /models` now; the llama one its package and model."""
    out = ["extractive"]
    try:
        httpx.get(f"{settings.base_url.rstrip('/')}/models", timeout=2.0).raise_for_status()
        out.append("openai")
    except httpx.HTTPError:
        pass
    if importlib.util.find_spec("llama_cpp") is not None and (
            Path(settings.gguf).is_file() if settings.gguf else _packaged_present()):
        out.append("llama")
    return out


def _packaged_present() -> bool:
    try:
        return packaged_gguf().is_file()
    except ModelUnavailable:
        return False
