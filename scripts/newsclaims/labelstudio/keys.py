"""How a pushed corpus set is named in Label Studio: an annotation's ``import_id``, a prediction's model version."""

from __future__ import annotations

import hashlib
from typing import Any

PREDICTION_MODEL_VERSION = "newsclaims-{set_id}"
_PREFIX, _SUFFIX = PREDICTION_MODEL_VERSION.split("{set_id}")


def set_key(article_id: str, set_id: str) -> int:
    """The ``import_id`` of a set pushed as a Label Studio annotation: a positive 63-bit integer."""
    digest = hashlib.sha256(f"{article_id}\x00{set_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1) or 1


def pushed_set_id(model_version: Any) -> str | None:
    """The set id a pushed prediction's model version names, if it names one."""
    if isinstance(model_version, str) and model_version.startswith(_PREFIX) and model_version.endswith(_SUFFIX):
        return model_version[len(_PREFIX) : len(model_version) - len(_SUFFIX)] or None
    return None
