"""Where the Label Studio URL and personal access token come from, and the file that keeps them.

Looked up in this order: the arguments (``--url``, ``--api-key``), the variables
``LABEL_STUDIO_URL`` and ``LABEL_STUDIO_API_KEY``, then the access file that ``newsclaims
studio`` writes (``.labelstudio/access.json``, readable by its owner only). A token from the
file is used only with the URL it was made for. No message names a token, and a URL is shown
without its password.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import NewsclaimsError
from .access import ACCESS_FILE, DEFAULT_ACCESS_PATH, KEY_VARIABLE, URL_VARIABLE  # noqa: F401 (ACCESS_FILE is imported from here)


class CredentialsError(NewsclaimsError):
    """No usable Label Studio URL or token, or an unreadable access file."""


@dataclass(frozen=True)
class Credentials:
    url: str
    api_key: str = field(repr=False)
    source: str = ""


def shown_url(url: str) -> str:
    """``url`` as it may be printed: without a password (``http://u:secret@host`` -> ``http://u@host``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def write_private_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON to a file only its owner can read, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(obj, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_access_file(path: Path, url: str, token: str) -> Path:
    write_private_json(Path(path), {"url": url, "token": token})
    return Path(path)


def read_access_file(path: Path) -> Credentials | None:
    """The URL and token stored in ``path``; None when there is no such file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CredentialsError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    try:
        stored = json.loads(text)
        url, token = stored["url"], stored["token"]
    except (ValueError, KeyError, TypeError):
        raise CredentialsError(f"{path}: expected {{\"url\": ..., \"token\": ...}}; run 'newsclaims studio' again to rewrite it") from None
    if not isinstance(url, str) or not isinstance(token, str) or not url or not token:
        raise CredentialsError(f"{path}: expected a URL and a token as strings; run 'newsclaims studio' again to rewrite it")
    return Credentials(url, token, str(path))


def _same_server(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def resolve_credentials(url: str | None = None, api_key: str | None = None, access_file: Path | str | None = None) -> Credentials:
    """The URL and token to use: arguments, then the environment, then the access file."""
    url = url or os.environ.get(URL_VARIABLE) or None
    api_key = api_key or os.environ.get(KEY_VARIABLE) or None
    path = Path(access_file) if access_file is not None else DEFAULT_ACCESS_PATH
    if url and api_key:
        return Credentials(url, api_key, "arguments or environment")
    stored = read_access_file(path)
    if stored is not None and not url:
        url = stored.url
    if stored is not None and not api_key and url and _same_server(url, stored.url):
        return Credentials(url, stored.api_key, str(path))
    if not url:
        raise CredentialsError(f"no Label Studio URL: pass --url or set {URL_VARIABLE}, or run 'newsclaims studio' (it writes {path})")
    if stored is not None and not api_key:
        raise CredentialsError(f"no API key for {shown_url(url)}: {path} holds one for {shown_url(stored.url)} only; pass --api-key or set {KEY_VARIABLE}")
    if not api_key:
        raise CredentialsError(
            f"no API key: pass --api-key, set {KEY_VARIABLE} (a personal access token from the server's Account & Settings page) or run 'newsclaims studio' (it writes {path})"
        )
    return Credentials(url, api_key, "arguments or environment")
