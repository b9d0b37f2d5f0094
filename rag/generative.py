"""Passages -> Draft written by a chat model, every sentence verified against its citation.

The model's reply is split into sentences as it streams; each one is verified (rag/verifying.py)
the moment it is complete, so the app can show verified sentences while the model writes. When
the model cannot run or nothing it wrote is supported, the extractive answer is given instead,
with the reason: an answer always comes, and never an unchecked one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace

from rag import prompting
from rag.answering import Answerer, ExtractiveAnswerer
from rag.embedding import Embedder
from rag.keyword import Idf
from rag.llm import BACKENDS, ChatClient, LLMError, connect
from rag.settings import Settings
from rag.types import Claim, Draft, Passage, ShortAnswer
from rag.verifying import Verifier, split_cited

_NO_ANSWER = prompting.NO_ANSWER.lower().rstrip(".")


class GenerativeAnswerer:
    def __init__(self, name: str, client: Callable[[], ChatClient], verifier: Verifier,
                 fallback: ExtractiveAnswerer, max_tokens: int = 200,
                 context_window: int = 4096, prompt: str = "evidence"):
        """`client` is called on first use, so a model that cannot load costs nothing until
        asked, and then yields the extractive answer with the reason. `prompt`: "evidence"
        gives the model only the sentences the extractive answerer selected (and no call at
        all when it abstains); "passages" gives it the whole passages."""
        self.name, self._connect, self.verifier = name, client, verifier
        self.fallback, self.max_tokens, self.context_window = fallback, max_tokens, context_window
        self.prompt = prompt
        self._client: ChatClient | None = None

    def run(self, question: str, passages: list[Passage]) -> Draft:
        *_, draft = self.stream(question, passages)
        return draft

    def stream(self, question: str, passages: list[Passage]) -> Iterator[Draft]:
        """Drafts that grow by one verified sentence; the last one is the answer."""
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        claims: list[Claim] = []
        text = ""
        evidence, short, quoted = None, None, None
        if self.prompt == "evidence" and passages:
            quoted = self.fallback.run(question, passages)
            if quoted.abstained:  # nothing that answers: no model can phrase an answer
                yield replace(quoted, backend=self.name)
                return
            evidence = {}
            for c in quoted.claims:
                evidence.setdefault(c.passage, []).append(c.text)
            short = quoted.short  # kept when the model cites its passage (rag.citing)

        try:
            if not passages:
                raise LLMError("no passages were retrieved")
            self._client = self._client or self._connect()
            messages, shown = prompting.messages(
                question, passages, self._client.count_tokens, self.context_window,
                self.max_tokens, evidence)
            support = self.verifier.evidence(passages)

            def check(units: list[tuple[str, tuple[int, ...]]]) -> Iterator[Draft]:
                for sentence, numbers in units:
                    if _NO_ANSWER in sentence.lower():  # an abstention, not a claim
                        claims.append(Claim(sentence, -1, (0, 0), 0.0, verified=False))
                        continue
                    cited = [shown[n - 1] for n in numbers if 0 < n <= len(shown)]
                    claims.append(self.verifier.check(sentence, cited, support))
                    if claims[-1].verified:
                        yield self._draft(claims, timings, short)

            for delta in self._client.stream(messages, self.max_tokens):
                timings.setdefault("first_token", (time.perf_counter() - t0) * 1000)
                text += delta
                units = split_cited(text)[len(claims):-1]  # the last one may still grow
                yield from check(units)
            yield from check(split_cited(text)[len(claims):])
        except LLMError as e:
            yield self._fall_back(question, passages, f"{e}", claims, quoted)
            return
        if any(c.verified for c in claims):
            yield self._draft(claims, timings, short)
        elif _NO_ANSWER in text.lower() and evidence is None:
            yield Draft(claims, abstained=True, backend=self.name, timings_ms=timings)
        elif _NO_ANSWER in text.lower():  # the evidence was chosen because it answers
            yield self._fall_back(question, passages, "it said the sources don't answer, "
                                  "though the quoted sentences name what is asked", claims,
                                  quoted)
        else:
            why = (f"none of the {len(claims)} sentences it wrote is supported by the sources"
                   if claims else "it wrote no answer")
            yield self._fall_back(question, passages, why, claims, quoted)

    def _draft(self, claims: list[Claim], timings: dict[str, float],
               short: ShortAnswer | None = None) -> Draft:
        return Draft(list(claims), abstained=False, backend=self.name, timings_ms=dict(timings),
                     short=short)

    def _fall_back(self, question: str, passages: list[Passage], why: str,
                   rejected: list[Claim], quoted: Draft | None = None) -> Draft:
        """The extractive answer (`quoted`, when already computed) with the reason."""
        quoted = quoted or self.fallback.run(question, passages)
        return Draft(quoted.claims + [c for c in rejected if not c.verified], quoted.abstained,
                     quoted.support, backend=self.name, short=quoted.short,
                     fallback=f"The {self.name} backend's answer is not shown: {why}. "
                              "These are quoted sentences instead.")


def make_answerer(settings: Settings, embedder: Embedder,
                  idf: Idf | None = None,
                  backend: str | None = None,
                  client: Callable[[], ChatClient] | None = None) -> Answerer:
    """The answerer for `backend` (default `settings.backend`); `client` replaces the chat
    model the settings name (benchmarks record and replay replies through it)."""
    backend = backend or settings.backend
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    extractive = ExtractiveAnswerer(embedder, settings.min_support,
                                    settings.max_answer_sentences, idf=idf)
    if backend == "extractive":
        return extractive
    chosen = replace(settings, backend=backend)
    return GenerativeAnswerer(backend, client or (lambda: connect(chosen)),
                              Verifier(embedder, settings.verify_support, idf), extractive,
                              settings.max_tokens, settings.context_window, settings.prompt)
