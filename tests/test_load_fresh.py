"""``datasets.load_dataset(<checkout>, config)`` returns what is on disk after a rebuild, not its cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from newsclaims.cli import main
from release_helpers import copy_corpus
from test_release_version import add_article_with_gold

LOAD = (
    "import datasets, json, sys\n"
    "out = {}\n"
    "for name in sys.argv[2:]:\n"
    "    ds = datasets.load_dataset(sys.argv[1], name, split='train')\n"
    "    out[name] = sorted({row['article_id'] for row in ds}), ds.num_rows\n"
    "print(json.dumps(out))\n"
)


def load(checkout: Path, hf_home: Path, *configs: str) -> dict[str, list]:
    env = {**os.environ, "HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", LOAD, str(checkout), *configs], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_load_dataset_after_add_and_build_returns_the_new_rows(tmp_path: Path, capsys):
    checkout, hf_home = tmp_path / "checkout", tmp_path / "hf"
    corpus = copy_corpus(checkout, with_release=True)
    before = load(checkout, hf_home, "articles", "figures")
    assert before["articles"][1] >= 1 and "harbour" not in before["articles"][0]
    add_article_with_gold(corpus)
    assert main(["--corpus", str(corpus.root), "build", "--docs-dir", str(checkout)]) == 0
    after = load(checkout, hf_home, "articles", "figures")
    assert after["articles"] == [sorted([*before["articles"][0], "harbour"]), before["articles"][1] + 1]
    assert after["figures"] == [sorted([*before["figures"][0], "harbour"]), before["figures"][1] + 1]


def test_without_the_version_in_the_configs_the_cache_would_answer(tmp_path: Path):
    """Why the build writes the version into the card's configs: the card is the cache key."""
    checkout, hf_home = tmp_path / "checkout", tmp_path / "hf"
    corpus = copy_corpus(checkout, with_release=True)
    assert main(["--corpus", str(corpus.root), "build", "--docs-dir", str(checkout)]) == 0
    before = load(checkout, hf_home, "articles")
    card = (checkout / "README.md").read_text(encoding="utf-8")
    add_article_with_gold(corpus)
    assert main(["--corpus", str(corpus.root), "build", "--docs-dir", str(checkout)]) == 0
    (checkout / "README.md").write_text(card, encoding="utf-8")
    assert load(checkout, hf_home, "articles") == before
