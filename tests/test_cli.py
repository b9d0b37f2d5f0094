"""`rag` as a user runs it: in-process for speed, one real subprocess for the no-traceback check."""

import json
import subprocess
import sys

import pytest

from rag.cli import main

from .conftest import GERMANY_CANADA, ROOT


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_names_germany_and_canada_citing_the_seed(capsys, seed_settings):
    code, out, _ = run(capsys, "ask", GERMANY_CANADA, "--index", str(seed_settings.index_dir),
                       "--json")
    answer = json.loads(out)
    assert code == 0 and not answer["abstained"]
    assert "Germany" in answer["answer"] and "Canada" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "000_1e0437848bbfa5aa.txt"
    assert set(answer["citations"][0]) == {"n", "doc_id", "title", "date", "source", "chunk_id",
                                           "text", "start", "end", "score", "also_in", "spans",
                                           "site", "author", "fetched"}
    assert set(answer["timings_ms"]) == {"retrieve", "first_token", "answer"}
    assert answer["backend"] == "extractive" and answer["fallback"] is None
    assert all(s["verified"] and s["citations"] == [1] for s in answer["sentences"])
    assert answer["short_answer"] == {"text": "Germany and Canada", "citation": 1}


def test_ask_lithium_price_abstains(capsys, seed_settings):
    code, out, _ = run(capsys, "ask", "What is the price of lithium?", "--index",
                       str(seed_settings.index_dir), "--json")
    assert code == 0 and json.loads(out)["abstained"] is True


def test_ask_text_output_lists_sources(capsys, seed_settings):
    code, out, _ = run(capsys, "ask", GERMANY_CANADA, "--index", str(seed_settings.index_dir))
    assert code == 0 and "[1]" in out and "Sources:" in out and "000_1e0437848bbfa5aa.txt" in out
    assert out.startswith("Answer: Germany and Canada [1]\n")


def test_ask_file_one_json_answer_a_line(capsys, tmp_path, seed_settings):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": GERMANY_CANADA}) + "\n{broken\n"
                         + json.dumps({"question": "What is Project Vault?"}) + "\n")
    code, out, err = run(capsys, "ask", "--file", str(questions), "--json", "--index",
                         str(seed_settings.index_dir))
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 1 and f"{questions}:2:" in err
    assert "Canada" in lines[0]["answer"] and lines[1]["line"] == 2 and "error" in lines[1]
    assert "Project Vault" in lines[2]["answer"]


def test_ask_with_since_until(capsys, seed_settings):
    code, out, _ = run(capsys, "ask", "critical minerals", "--since", "2026-02-10", "--json",
                       "--index", str(seed_settings.index_dir))
    assert code == 0
    assert {p["doc_id"] for p in json.loads(out)["retrieved"]} == {"000_1e0437848bbfa5aa.txt"}


def test_ask_as_of_reads_last_week_and_no_dates_undoes_it(capsys, seed_settings):
    index = ["--index", str(seed_settings.index_dir)]
    code, out, _ = run(capsys, "ask", "What did the Cabinet plan with Germany last week?",
                       "--as-of", "2026-03-03", *index)
    assert code == 0 and "(searching articles from 2026-02-23 to 2026-03-03" in out
    assert "000_1e0437848bbfa5aa.txt" in out and "004_4043f69cf68954ce.txt" not in out
    code, out, _ = run(capsys, "ask", "What did the Cabinet plan with Germany last week?",
                       "--as-of", "2026-02-10", "--no-dates", "--json", *index)
    answer = json.loads(out)
    assert code == 0 and answer["time"]["as_of"] == "2026-02-10"
    assert answer["time"]["phrase"] is None
    assert {p["doc_id"] for p in answer["retrieved"]} == {"004_4043f69cf68954ce.txt"}


def test_as_of_that_is_not_a_date_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["ask", "q", "--as-of", "Tuesday"])
    assert exit.value.code == 2
    assert "--as-of: 'Tuesday' is not a date like 2026-02-24" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["ask", "   "], "the question is empty"),
    (["index", "no/such/folder"], "no/such/folder: no such file or directory"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, seed_settings, argv, message):
    code, out, err = run(capsys, *argv, "--index", str(seed_settings.index_dir))
    assert code == 2 and out == "" and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_ask_on_missing_index_says_how_to_build_it(capsys, tmp_path):
    code, _, err = run(capsys, "ask", "anything", "--index", str(tmp_path / "none"))
    assert code == 2 and "rag index --index" in err


def test_index_reports_skipped_files_and_exits_1(capsys, tmp_path, seeds_copy):
    (seeds_copy / "bad.jsonl").write_text('{"text": "ok article text here"}\nnot json\n')
    code, out, _ = run(capsys, "index", str(seeds_copy), "--index", str(tmp_path / "i"), "--json")
    report = json.loads(out)
    assert code == 1 and report["articles_total"] == 3
    assert report["skipped"] == [f"{seeds_copy / 'bad.jsonl'}:2: malformed JSON (Expecting value)"]


def test_info(capsys, seed_settings):
    code, out, _ = run(capsys, "info", "--index", str(seed_settings.index_dir), "--json")
    info = json.loads(out)
    assert code == 0 and info["articles"] == 2 and info["model"] == "all-MiniLM-L6-v2@openvino"
    assert info["stories"] == 2
    assert info["dim"] == 384 and info["bytes_on_disk"] > 0
    assert info["dates"] == ["2026-02-04", "2026-02-24"]


def test_real_process_empty_question_prints_no_traceback(seed_settings):
    proc = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "", "--index",
                           str(seed_settings.index_dir)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        "rag: error: the question is empty; type a question about the articles"]


def test_help_explains_each_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("index", "ask", "info"):
        assert command in out


def test_weak_answer_says_so_in_text_output(capsys, seed_settings):
    code, out, _ = run(capsys, "ask", "What is S Jaishankar's role?",
                       "--index", str(seed_settings.index_dir))
    assert code == 0 and "The evidence is weak" in out and "[1]" in out
