#!/usr/bin/env python3
"""The committed figures and study hang together (issue 23):

* every picture in docs/figures/ and docs/scaling/ is shown or linked by a
  doc (prediction-mersenne.png was linked from nowhere);
* every relative link of README.md and the docs names a file that is there;
* a folder or file the committed study's report.md names in backquotes is
  committed (it cited "108 JSON reports in `docs/scaling/json`", a folder
  that is not);
* no picture's alt text promises speedups where its script plots wall time
  (prediction-sleep.png), nor does a legend say "target (issue 18)"
  (bench/plot_chunk_curve.py): checked on the scripts that draw them;
* README.md and testing.md give the docs tests the same time (they said
  1.5 and 2 minutes).

No binary; a second.

  test_figures.py [--source DIR] [unittest options]
"""
import argparse
import re
import sys
import unittest
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)\)")


def docs():
    return [SOURCE / "README.md"] + sorted((SOURCE / "docs").rglob("*.md"))


def links(doc):
    """(alt or text, target path) of every relative link of a doc."""
    found = []
    for text, target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        found.append((text, (doc.parent / target.split("#")[0]).resolve()))
    return found


class Figures(unittest.TestCase):
    def test_every_picture_is_shown(self):
        shown = {target for doc in docs() for _, target in links(doc)}
        pictures = sorted(list((SOURCE / "docs" / "figures").glob("*.png"))
                          + list((SOURCE / "docs" / "scaling").glob("*.png")))
        self.assertTrue(pictures)
        for picture in pictures:
            with self.subTest(picture=picture.name):
                self.assertIn(picture.resolve(), shown,
                              f"{picture.relative_to(SOURCE)} is linked from no doc")

    def test_every_link_is_there(self):
        for doc in docs():
            for text, target in links(doc):
                with self.subTest(doc=doc.relative_to(SOURCE).as_posix(), target=str(target)):
                    self.assertTrue(target.exists(), f"{text!r} links to a missing {target}")

    def test_study_cites_what_is_committed(self):
        report = SOURCE / "docs" / "scaling" / "report.md"
        for path in re.findall(r"`(docs/[^`\s]+)`", report.read_text(encoding="utf-8")):
            with self.subTest(path=path):
                self.assertTrue((SOURCE / path).exists(), f"report.md cites {path}, not committed")

    def test_words_of_the_pictures(self):
        scaling = (SOURCE / "docs" / "scaling.md").read_text(encoding="utf-8")
        alt = re.search(r"!\[([^\]]*)\]\(figures/prediction-sleep\.png\)", scaling).group(1)
        self.assertNotIn("speedup", alt)
        self.assertIn("wall time", alt)
        # validate.py draws it: wall time on the y axis.
        self.assertIn('set_ylabel("wall time, s")',
                      (SOURCE / "tests" / "predict" / "validate.py").read_text(encoding="utf-8"))
        plot = (SOURCE / "bench" / "plot_chunk_curve.py").read_text(encoding="utf-8")
        self.assertFalse("issue 18" in plot, "plot_chunk_curve.py's legend names an issue")


class Times(unittest.TestCase):
    def test_docs_time_agrees(self):
        readme = (SOURCE / "README.md").read_text(encoding="utf-8")
        testing = (SOURCE / "docs" / "testing.md").read_text(encoding="utf-8")
        said = re.search(r"marked examples, take\s+about ([\d.]+) of the", readme).group(1)
        row = re.search(r"^\| `docs` \| the examples of README.md and docs/ \(about ([\d.]+) "
                        r"minutes?\)", testing, re.M).group(1)
        split = re.search(r"\bdocs ([\d.]+),", testing).group(1)
        self.assertEqual((said, row, split), (said, said, said))


def main():
    global SOURCE
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, default=SOURCE)
    opts, rest = ap.parse_known_args()
    SOURCE = opts.source.resolve()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
