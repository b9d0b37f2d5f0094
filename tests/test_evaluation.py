"""`rag eval` scoring and reports, on a tiny hand-checked fixture over the seeds index."""

import json

import pytest

from rag.cli import main
from rag.evaluation import EvalItem, compare, evaluate, load_eval_set, missed_thresholds, score

A, B = "000_1e0437848bbfa5aa.txt", "004_4043f69cf68954ce.txt"


def _answer(text, cited, retrieved, abstained=False):
    return {"answer": text, "abstained": abstained,
            "citations": [{"n": i + 1, "doc_id": d, "chunk_id": f"{d}#0", "text": t}
                          for i, (d, t) in enumerate(cited)],
            "retrieved": [{"chunk_id": f"{d}#0"} for d in retrieved]}


def test_score_by_hand():
    item = EvalItem("q", "Which countries?", ("Germany",), (A,), "single")
    answer = _answer("Germany and Canada [1] and more [2]",
                     [(A, "partner with Germany"), (B, "nothing relevant")], [B, A])
    m = score(item, answer, ranked=[B, A], k=5)
    assert (m["hit@1"], m["hit@3"], m["mrr@10"]) == (0.0, 1.0, 0.5)
    assert m["answer_contained"] == 1.0 and m["exact_match"] == 0.0
    # 7 answer tokens (germany and canada 1 and more 2), 1 shared: P = 1/7, R = 1, F1 = 1/4
    assert m["f1"] == pytest.approx(0.25)
    assert m["citation_validity"] == 1.0
    assert m["citation_precision"] == 0.5 and m["citation_recall"] == 1.0


def test_citation_to_an_unlisted_number_is_invalid():
    item = EvalItem("q", "?", ("x",), (A,), "single")
    assert score(item, _answer("claim [3]", [(A, "x")], [A]), [A], 5)["citation_validity"] == 0


def test_load_eval_set_names_file_and_line(tmp_path):
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"id": "a", "question": "q", "answers": ["x"], "sources": [], '
                   '"type": "single"}\n{"id": "b", "question": "q", "type": "weird"}\n')
    with pytest.raises(ValueError, match=r"set.jsonl:2: type 'weird'"):
        load_eval_set(bad)
    bad.write_text('{"id": "a", "question": "q", "answers": ["x"], "type": "temporal", '
                   '"as_of": "last Tuesday"}\n')
    with pytest.raises(ValueError, match=r"set.jsonl:1: .*as_of \(YYYY-MM-DD\)"):
        load_eval_set(bad)


def test_an_eval_question_is_asked_as_of_its_date(pipeline, tmp_path):
    """As of 2026-02-10 the 24 February article does not exist yet: the question has no answer."""
    path = tmp_path / "set.jsonl"
    row = {"question": "Which countries is India's Cabinet expected to approve critical-minerals "
           "agreements with?", "answers": ["Germany"], "sources": [A], "type": "temporal"}
    path.write_text(json.dumps({"id": "now", **row}) + "\n"
                    + json.dumps({"id": "then", **row, "as_of": "2026-02-10"}) + "\n")
    items = load_eval_set(path)
    assert [str(i.as_of) for i in items] == ["None", "2026-02-10"]
    result = evaluate(pipeline, items)
    assert result["overall"]["hit@1"] == 0.5  # found now, not then
    assert [f["id"] for f in result["failures"]] == ["then"]


@pytest.fixture(scope="module")
def tiny(pipeline, tmp_path_factory):
    path = tmp_path_factory.mktemp("eval") / "tiny.jsonl"
    rows = [
        {"id": "g", "question": "What will the collaboration with Germany focus on?",
         "answers": ["joint exploration"], "sources": [A], "type": "single"},
        {"id": "r", "question": "Who will chair the Critical Minerals Ministerial?",
         "answers": ["Rubio"], "sources": [B], "type": "single"},
        {"id": "u", "question": "What is the current price of lithium?", "answers": [],
         "sources": [], "type": "unanswerable"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_evaluate_tiny_set(pipeline, tiny):
    report = evaluate(pipeline, load_eval_set(tiny))
    o = report["overall"]
    assert o["hit@1"] == 1.0 and o["answer_contained"] == 1.0 and o["citation_validity"] == 1.0
    assert o["abstention_precision"] == 1.0 and o["abstention_recall"] == 1.0
    assert o["abstention_accuracy"] == 1.0 and report["failures"] == []
    assert set(report["by_type"]) == {"single", "unanswerable"}
    assert o["latency_p95_ms"] >= o["latency_p50_ms"] > 0


def test_compare_and_thresholds():
    old = {"overall": {"hit@5": 0.8, "latency_p50_ms": 100.0, "f1": 0.3}}
    new = {"overall": {"hit@5": 0.9, "latency_p50_ms": 150.0, "f1": 0.3}}
    assert compare(old, new) == [("hit@5", 0.8, 0.9, 0.1, "better"),
                                 ("latency_p50_ms", 100.0, 150.0, 50.0, "worse"),
                                 ("f1", 0.3, 0.3, 0.0, "same")]
    assert missed_thresholds(new, {"hit@5": 0.95, "f1": 0.1}) == [
        "hit@5 = 0.9 is below the minimum 0.95"]


def test_rag_eval_cli_writes_reports_and_gates(capsys, tiny, seed_settings, tmp_path):
    out = tmp_path / "r1"
    code = main(["eval", str(tiny), "--index", str(seed_settings.index_dir), "--out", str(out),
                 "--min", "hit@5=0.9"])
    printed = capsys.readouterr().out
    assert code == 0 and "answer_contained" in printed and "unanswerable" in printed
    report = json.loads((out / "report.json").read_text())
    assert set(report) == {"overall", "by_type", "failures", "config"}
    assert (out / "report.md").exists() and (out / "metrics_by_type.png").stat().st_size > 5000

    code = main(["eval", str(tiny), "--index", str(seed_settings.index_dir), "--out",
                 str(tmp_path / "r2"), "--compare", str(out / "report.json"),
                 "--min", "f1=0.99"])
    captured = capsys.readouterr()
    assert code == 1 and "f1 = " in captured.err and "below the minimum 0.99" in captured.err
    assert "verdict" in captured.out and "same" in captured.out
