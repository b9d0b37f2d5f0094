"""Hardening, as a user meets it on the command line: bad dates, same-named files, rebuilds
without paths, and damaged index files named in one line and repaired with no article lost."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from rag.cli import main
from rag.indexing import cache_path
from rag.settings import Settings
from rag.store import Store

from .conftest import GERMANY_CANADA, SEEDS

PORT = "date 2026-03-03 Norhaven's port authority said container traffic rose 12 percent in " \
       "October. Port director Amalia Reyes credited a new rail link to Kessel.\n"


def _ids(index: Path) -> set[str]:
    store = Store.open(index, search=False)
    try:
        return {a["id"] for a in store.filter()}
    finally:
        store.close()


def test_an_impossible_date_is_named_and_every_question_still_answered(tmp_path, capsys):
    src = Path(shutil.copytree(SEEDS, tmp_path / "src"))
    (src / "bad.txt").write_text(PORT.replace("2026-03-03", "2024-02-30"))
    (src / "more.jsonl").write_text('{"id": "j1", "date": "2024-13-45", "text": "The Kessel '
                                    'ferry strike ended on Friday after nine days."}\n')
    index = str(tmp_path / "index")
    assert main(["index", str(src), "--index", index]) == 1
    out = capsys.readouterr().out
    assert f"{src / 'bad.txt'}:1: impossible date '2024-02-30'; indexed without a date" in out
    assert f"{src / 'more.jsonl'}:1: impossible date '2024-13-45'" in out
    assert main(["ask", GERMANY_CANADA, "--index", index]) == 0
    assert "Germany and Canada" in capsys.readouterr().out
    assert main(["ask", "Who is the port director of Norhaven?", "--index", index]) == 0
    assert "Amalia Reyes" in capsys.readouterr().out


def test_same_named_files_from_two_folders_are_two_articles(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "a00.txt").write_text(PORT)
    (b / "a00.txt").write_text("date 2026-03-04 The Kessel ferry strike ended on Friday after "
                               "nine days, the union said.\n")
    index = str(tmp_path / "index")
    assert main(["index", str(a), "--index", index]) == 0
    assert main(["index", str(b), "--index", index]) == 0
    assert "1 added, 0 changed" in capsys.readouterr().out
    ids = _ids(Path(index))
    assert len(ids) == 2 and "a00.txt" in ids
    assert main(["index", str(b), str(a), "--index", index]) == 0  # either order: the same ids
    assert "0 added, 0 changed, 0 removed, 2 unchanged" in capsys.readouterr().out
    assert _ids(Path(index)) == ids
    assert main(["ask", "How long did the Kessel ferry strike last?", "--index", index]) == 0
    assert "nine days" in capsys.readouterr().out


def test_rebuild_without_paths_rebuilds_every_article_from_where_it_came(tmp_path, capsys):
    src = Path(shutil.copytree(SEEDS, tmp_path / "src"))
    (src / "port.txt").write_text(PORT)
    index = str(tmp_path / "index")
    assert main(["index", str(src), "--index", index]) == 0
    before = _ids(Path(index))
    (src / "port.txt").unlink()  # its file is gone: rebuilt from its indexed text
    assert main(["index", "--rebuild", "--index", index]) == 0
    assert _ids(Path(index)) == before
    capsys.readouterr()
    assert main(["ask", "Who is the port director of Norhaven?", "--index", index]) == 0
    assert "Amalia Reyes" in capsys.readouterr().out


def _corrupt_database(index: Path) -> None:
    with open(index / "index.sqlite", "r+b") as f:
        f.seek(65536 * 2)
        f.write(os.urandom(65536))


def _short_vectors(index: Path) -> None:
    db = sqlite3.connect(index / "index.sqlite")
    db.execute("UPDATE segments SET vectors = substr(vectors, 1, 100)")
    db.commit()
    db.close()


def _bad_manifest(index: Path) -> None:
    db = sqlite3.connect(index / "index.sqlite")
    db.execute("UPDATE meta SET value = '{\"trunc' WHERE key = 'settings'")
    db.commit()
    db.close()


def _impossible_stored_date(index: Path) -> None:
    """As an index built before dates were checked at loading holds them."""
    db = sqlite3.connect(index / "index.sqlite")
    db.execute("UPDATE articles SET date = '2024-02-30' WHERE id = 'port.txt'")
    db.commit()
    db.close()


def _corrupt_cache(index: Path) -> None:
    cache_path(Settings.load(index_dir=index)).write_bytes(b"not a database" * 500)


def _stray(index: Path) -> None:
    (index / ".index.sqlite.4242.tmp").write_bytes(b"half a database")


@pytest.mark.parametrize("damage, named", [
    (_corrupt_database, "index.sqlite is damaged (database disk image is malformed)"),
    (_short_vectors, "index.sqlite is damaged (cannot reshape array"),
    (_bad_manifest, "index.sqlite is damaged ("),
    (_impossible_stored_date, None),  # read as undated: every question still answered
    (_corrupt_cache, None),  # only a cache: set aside with a warning, never in the way
    (_stray, None),  # the next writer sweeps it; check names it
])
def test_damage_is_named_in_one_line_and_repaired_with_no_article_lost(tmp_path, damage, named,
                                                                       capsys):
    def rag(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--index", str(index)])  # an exception here is a traceback
        out, err = capsys.readouterr()
        return code, out, err

    src = Path(shutil.copytree(SEEDS, tmp_path / "src"))
    (src / "port.txt").write_text(PORT)
    index = tmp_path / "index"
    assert rag("index", str(src))[0] == 0
    before = _ids(index)
    damage(index)

    code, out, err = rag("ask", GERMANY_CANADA)
    if named:
        [line] = err.splitlines()
        assert code == 2 and named in line and "rag check --repair" in line
    else:
        assert code == 0 and "Germany and Canada" in out
    code, out, _ = rag("check")
    assert code == 1 and "--repair would" in out
    code, out, _ = rag("check", "--repair")
    assert code == 0 and "repaired:" in out
    assert rag("check")[1].strip().endswith("no problems found")
    assert _ids(index) == before
    assert "Amalia Reyes" in rag("ask", "Who is the port director of Norhaven?")[1]
