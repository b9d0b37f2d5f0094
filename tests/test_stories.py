from rag.stories import group, signature

from .conftest import SEEDS

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
