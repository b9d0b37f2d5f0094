import json
import os
import re
from pathlib import Path

import pytest

from rag.loading import load_paths

from .conftest import SEEDS


def test_seed_txt_date_goes_to_metadata_and_title_is_derived():
    loaded = load_paths([SEEDS])
    a = {x.id: x for x in loaded.articles}["000_1e0437848bbfa5aa.txt"]
    assert a.date == "2026-02-24"
    assert a.text.startswith("The government is planning to partner with Germany and Canada")
    assert "date 2026" not in a.text
    assert a.title.startswith("The government is planning to partner")
    assert len(a.title) <= 81
    assert a.source == str((SEEDS / "000_1e0437848bbfa5aa.txt").resolve())
    assert not loaded.skipped


def test_markdown_heading_is_the_title(tmp_path):
    (tmp_path / "note.md").write_text("date 2026-01-05 # Lithium talks\n\nChile and India met.\n")
    [a] = load_paths([tmp_path]).articles
    assert (a.title, a.date, a.text) == ("Lithium talks", "2026-01-05", "Chile and India met.")


def test_html_keeps_the_article_and_drops_the_menu(tmp_path):
    paragraph = ("Officials in Santiago said the new lithium refinery would open in March, "
                 "doubling the country's output of battery-grade carbonate. ")
    (tmp_path / "page.html").write_text(f"""<html><head><title>Chile lithium refinery</title>
      <meta property="article:published_time" content="2026-03-02"></head><body>
      <nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport menu link</a></li></ul></nav>
      <article><h1>Chile lithium refinery</h1><p>{paragraph * 3}</p><p>{paragraph}</p></article>
      <footer>Copyright footer text</footer></body></html>""")
    [a] = load_paths([tmp_path]).articles
    assert "lithium refinery would open in March" in a.text
    assert "Sport menu link" not in a.text and "Copyright footer" not in a.text
    assert a.title == "Chile lithium refinery"
    assert a.date == "2026-03-02"


def test_pdf_text_and_title(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Cobalt report")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, "Congo exported more cobalt in 2025 than in any year before.")
    pdf.output(str(tmp_path / "report.pdf"))
    [a] = load_paths([tmp_path]).articles
    assert a.title == "Cobalt report"
    assert "Congo exported more cobalt in 2025" in a.text


def test_jsonl_one_article_a_line_with_bad_lines_reported(tmp_path):
    rows = [
        {"doc_id": "a1", "title": "Nadal", "text": "Nadal won.", "publish_date": "2022/07/06",
         "url": "https://example.org/nadal"},
        "{not json",
        {"doc_id": "a2", "title": "Headline only"},
        {"doc_id": "a3", "url": "https://example.org/nothing"},
        {"text": "Untitled piece about tennis. More text.", "date": "2022-07-07"},
    ]
    f = tmp_path / "c.jsonl"
    f.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    loaded = load_paths([f])
    by_id = {a.id: a for a in loaded.articles}
    assert by_id["a1"].date == "2022-07-06" and by_id["a1"].source == "https://example.org/nadal"
    assert by_id["a2"].text == by_id["a2"].title == "Headline only"
    assert by_id["c.jsonl:5"].title == "Untitled piece about tennis."
    assert [(s.line, s.path) for s in loaded.skipped] == [(2, str(f)), (4, str(f))]
    assert "malformed JSON" in str(loaded.skipped[0]) and f"{f}:2:" in str(loaded.skipped[0])


def test_bad_files_are_skipped_with_reasons_and_the_rest_loads(tmp_path):
    (tmp_path / "good.txt").write_text("A good article about copper. It has two sentences.")
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes("line one\nline two caf\xe9\n".encode("latin-1"))
    (tmp_path / "huge.txt").write_text("x" * 2_000_000)
    loaded = load_paths([tmp_path], max_file_mb=1)
    assert [a.id for a in loaded.articles] == ["good.txt"]
    reasons = {Path(s.path).name: (s.line, s.reason) for s in loaded.skipped}
    assert reasons["empty.txt"][1] == "file is empty"
    assert "binary" in reasons["binary.txt"][1]
    assert reasons["latin1.txt"] == (2, "not valid UTF-8; re-save the file as UTF-8")
    assert "over the 1 MB limit" in reasons["huge.txt"][1]
    assert loaded.failed_files == {str((tmp_path / n).resolve()) for n in reasons}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_reported(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text("hidden text here")
    f.chmod(0)
    [skip] = load_paths([f]).skipped
    assert "cannot read" in skip.reason


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        load_paths([tmp_path / "nope"])


def test_utf16_files_are_read_and_utf16_without_a_bom_is_named(tmp_path):
    text = "date 2026-03-05 Zambia raised its copper output by 14 percent in February.\n"
    (tmp_path / "windows.txt").write_bytes(text.encode("utf-16"))  # with its byte-order mark
    (tmp_path / "nobom.txt").write_bytes(text.encode("utf-16-le"))
    loaded = load_paths([tmp_path])
    [a] = loaded.articles
    assert a.date == "2026-03-05" and a.text.startswith("Zambia raised its copper output")
    [skipped] = loaded.skipped
    assert skipped.path.endswith("nobom.txt") and "UTF-16 without a byte-order mark" in \
        skipped.reason


def test_a_symlink_loop_is_listed_and_linked_folders_are_read(tmp_path):
    root = tmp_path / "news"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text("Copper output rose in Zambia in February.\n")
    (root / "sub" / "loop").symlink_to(root)  # news/sub/loop -> news
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.txt").write_text("Cobalt exports fell in Congo in March.\n")
    (root / "linked").symlink_to(elsewhere)
    loaded = load_paths([root])
    assert sorted(a.id for a in loaded.articles) == ["linked/b.txt", "sub/a.txt"]
    [loop] = loaded.skipped
    assert loop.path == str(root / "sub" / "loop") and "symlink loop" in loop.reason


def test_pypdf_warnings_go_to_the_report_not_stderr(tmp_path, capfd):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, "Congo exported more cobalt in 2025 than in any year before.")
    raw = bytes(pdf.output())
    at = raw.rindex(b"startxref")  # a wrong cross-reference offset: pypdf reads it, warning
    (tmp_path / "odd.pdf").write_bytes(raw[:at] + re.sub(rb"startxref\s+\d+", b"startxref\n5",
                                                         raw[at:]))
    loaded = load_paths([tmp_path])
    assert "Congo exported more cobalt" in loaded.articles[0].text
    assert capfd.readouterr().err == ""
    assert any("pypdf warned" in w.reason for w in loaded.warnings)
