"""Materialise a small corpus described by a case file of tests/data (see tests/data/invalid)."""

from __future__ import annotations

import json
from pathlib import Path

from newsclaims.jsonio import canonical_json
from newsclaims.store import Corpus, sha256_hex


def _substitute(value, corpus: Corpus):
    if isinstance(value, str) and value.startswith("@sha256:"):
        article_id, _, revision = value[len("@sha256:"):].partition("@")
        records = corpus.revisions(article_id)
        record = next(r for r in records if r.revision == int(revision)) if revision else max(records, key=lambda r: r.revision)
        return record.text_sha256
    if isinstance(value, str) and value.startswith("@file-sha256:"):
        return sha256_hex((corpus.root / value[len("@file-sha256:"):]).read_bytes())
    if isinstance(value, dict):
        return {key: _substitute(item, corpus) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, corpus) for item in value]
    return value


def build_case_corpus(case: dict, root: Path) -> Corpus:
    corpus = Corpus(root)
    for article_id, texts in case.get("articles", {}).items():
        for text in texts if isinstance(texts, list) else [texts]:
            corpus.add(text.encode("utf-8"), article_id)
    for name, content in case.get("annotations", {}).items():
        path = corpus.annotations_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str) and content == "@compact:":
            gold = json.loads((Path(__file__).parent / "data" / "valid" / "minimal.json").read_text(encoding="utf-8"))
            text = json.dumps(_substitute(gold["annotations"]["a.json"], corpus), ensure_ascii=False)
        elif isinstance(content, str):
            text = content
        else:
            text = canonical_json(_substitute(content, corpus))
        path.write_text(text, encoding="utf-8")
    for step in case.get("mutate", []):
        _mutate(corpus, step)
    return corpus


def _mutate(corpus: Corpus, step: dict) -> None:
    op = step["op"]
    if op == "delete":
        (corpus.root / step["path"]).unlink()
        return
    if op == "write":
        path = corpus.root / step["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes.fromhex(step["hex"]) if "hex" in step else step["text"].encode("utf-8"))
        return
    manifest = json.loads(corpus.manifest_path.read_text(encoding="utf-8"))
    changes = _substitute(step["set"], corpus)
    if op == "manifest":
        record = next(r for r in manifest["articles"] if (r["article_id"], r["revision"]) == (step["article_id"], step["revision"]))
        record.update(changes)
    elif op == "manifest-append":
        article_id, revision = step["copy_of"]
        original = next(r for r in manifest["articles"] if (r["article_id"], r["revision"]) == (article_id, revision))
        manifest["articles"].append({**original, **changes})
    else:
        raise ValueError(f"unknown mutate op {op!r}")
    corpus.manifest_path.write_text(canonical_json(manifest), encoding="utf-8")
