from collections.abc import Mapping

from rag.stories import bands, signature, story_of

from .conftest import SEEDS


def group(signatures: Mapping[str, list[int]], titles: Mapping[str, str]) -> dict[str, str]:
    """Article id -> story leader, assigned one article at a time in id order, as the store
    assigns them (candidates are the leaders sharing a band key)."""
    story: dict[str, str] = {}
    by_band: dict[int, list[str]] = {}
    for aid in sorted(signatures):
        keys = bands(signatures[aid])
        near = {c for k in keys for c in by_band.get(k, ()) if story[c] == c}
        story[aid] = story_of(signatures[aid], titles[aid],
                              ((c, signatures[c], titles[c]) for c in near)) or aid
        for k in keys:
            by_band.setdefault(k, []).append(aid)
    return story


STORY = (SEEDS / "000_1e0437848bbfa5aa.txt").read_text(encoding="utf-8")
OTHER = (SEEDS / "004_4043f69cf68954ce.txt").read_text(encoding="utf-8")


def test_republished_copies_are_one_story_and_other_stories_are_not():
    wire = STORY.split("\n\n", 1)[1]  # the body, without the first paragraph
    copies = {
        "a": signature([STORY]),
        "b": signature(["By our correspondent. New Delhi.\n\n" + wire + "\n\nRead more news."]),
        "c": signature([OTHER]),
        "empty": signature([""]),
        "empty-too": signature([""]),
    }
    titles = {"a": "India to partner Germany, Canada on critical minerals",
              "b": "Cabinet nod likely for critical minerals pacts with Germany and Canada",
              "c": "Expert: India's role in critical minerals timely", "empty": "", "empty-too": ""}
    stories = group(copies, titles)
    assert stories["a"] == stories["b"] == "a"
    assert len({stories["a"], stories["c"], stories["empty"], stories["empty-too"]}) == 4


def test_the_same_scraped_frame_under_unrelated_headlines_is_not_one_story():
    frame = signature(["Subscribe to our newsletter. Accept cookies to continue reading " * 20])
    stories = group({"x": frame, "y": frame},
                    {"x": "Sprite drops its green bottle", "y": "JetBlue to buy Spirit"})
    assert stories["x"] != stories["y"]


def test_signature_ignores_how_the_text_is_cut_into_chunks():
    words = STORY.split(" ")
    half = len(words) // 2
    overlapping = [" ".join(words[: half + 10]), " ".join(words[half - 10:])]
    same = group({"whole": signature([STORY]), "chunks": signature(overlapping)},
                 {"whole": "Critical minerals", "chunks": "Critical minerals"})
    assert same["whole"] == same["chunks"]
