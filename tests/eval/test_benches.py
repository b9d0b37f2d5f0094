"""`rag bench` on tiny benchmark folders in the BEIR and RealTime QA shapes."""

import json

from rag.cli import main

DOCS = {
    "d1": ("Cobalt in Congo", "Congo exported record cobalt to battery makers this year."),
    "d2": ("Wimbledon final", "Nadal beat Fritz in five sets on Centre Court at Wimbledon."),
    "d3": ("Squid Game", "Netflix renewed the South Korean show Squid Game for a second season."),
    "d4": ("Chargers in Europe", "European regulators require a common USB-C charger for phones."),
}


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_beir_folder(tmp_path, capsys):
    data = tmp_path / "tiny-beir"
    (data / "qrels").mkdir(parents=True)
    _jsonl(data / "corpus.jsonl", [{"_id": k, "title": t, "text": x} for k, (t, x) in DOCS.items()])
    _jsonl(data / "queries.jsonl", [{"_id": "q1", "text": "which show was renewed by Netflix"},
                                    {"_id": "q2", "text": "cobalt exports from Congo"}])
    (data / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td3\t1\nq2\td1\t1\n")
    assert main(["bench", "beir", str(data), "--index", str(tmp_path / "i" / "b"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"bm25", "dense", "hybrid"}
    for metrics in result.values():
        assert metrics["ndcg@10"] == 1.0 and metrics["mrr@10"] == 1.0
        assert metrics["recall@100"] == 1.0


def test_realtimeqa_folder(tmp_path, capsys):
    data = tmp_path / "tiny-rtqa"
    data.mkdir()
    later = {"doc_id": "d5", "title": "Squid Game season two renewed",  # after the question
             "text": "Which show was renewed for a second season? Netflix renewed Squid Game.",
             "publish_date": "2022/06/30", "url": "u/d5"}
    _jsonl(data / "corpus.jsonl", [
        {"doc_id": k, "title": t, "text": x, "publish_date": "2022/06/15", "url": f"u/{k}"}
        for k, (t, x) in DOCS.items()] + [later])
    _jsonl(data / "questions.jsonl", [
        {"question_id": "1", "question": "Which show was renewed for a second season?",
         "question_date": "2022/06/16",
         "choices": ["Friends", "Squid Game", "Lost", "Dallas"], "answer_idx": [1],
         "answer_text": ["Squid Game"], "gold_doc_ids": ["d3"], "gcs_doc_ids": ["d3", "d2"]},
        {"question_id": "2", "question": "Where will phones need a common charger?",
         "question_date": "2022/06/16",
         "choices": ["Asia", "Africa", "Europe", "North America"], "answer_idx": [2],
         "answer_text": ["Europe"], "gold_doc_ids": [], "gcs_doc_ids": ["d4"]},
    ])
    index = ["--index", str(tmp_path / "i" / "r")]
    assert main(["bench", "realtimeqa", str(data), *index, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    hybrid = result["hybrid"]
    assert hybrid["hit@1"] == 1.0 and hybrid["mc_accuracy"] == 1.0
    assert hybrid["answer_contained"] == 0.5  # "Europe" is not in "European regulators..."
    assert {"exact_match", "f1", "answered", "mrr@10", "ndcg@10"} <= set(hybrid)
    # without time, the article written two weeks after the question outranks the gold one
    assert main(["bench", "realtimeqa", str(data), *index, "--json", "--no-time"]) == 0
    assert json.loads(capsys.readouterr().out)["hybrid"]["hit@1"] == 0.0
