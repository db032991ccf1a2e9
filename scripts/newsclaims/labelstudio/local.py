"""A local Label Studio server: install it, run it on 127.0.0.1, get API credentials.

Label Studio runs from its own virtual environment (it pins its own Django and SDK) and
keeps its data (SQLite) in a home folder of ours. Checked against label-studio 1.23.2:

- ``--host`` is only the public base URL; the bind address is ``--internal-host``
  (default 0.0.0.0), so the server is started with ``--internal-host 127.0.0.1``.
- A busy port is not an error for label-studio: it silently moves on to port+1, and a
  health check on our port would reach someone else's server. We refuse a busy port.
- ``get_env(NAME)`` reads ``LABEL_STUDIO_NAME``, ``HEARTEX_NAME`` and the bare ``NAME``: a
  stray ``HOST``, ``PORT``, ``USERNAME`` or ``DEBUG`` changes the server. It gets a minimal
  environment instead of ours.
- Legacy API tokens are disabled for new organizations; what works is a personal access
  token (a JWT refresh token) created after a login through the HTML form.
- Passwords set through the users API do not let a user log in; only the
  ``label-studio reset_password`` command on the same data folder does.

Tokens are secrets: nothing here puts one in an exception message, a log or a file.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from ..errors import NewsclaimsError

LS_VERSION = "1.23.2"
HOST = "127.0.0.1"
HTTP_TIMEOUT = 30.0
INSTALL_LOG = "pip-install-label-studio.log"

# Only these variables of the caller's environment reach the server (see the module docstring).
_KEPT_ENV = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME", "SSL_CERT_FILE", "SSL_CERT_DIR")
_QUIET_ENV = {
    # Otherwise every command fetches https://pypi.org/pypi/label-studio/json (10 s timeout
    # each without network) and the server reports to Sentry with its built-in DSNs.
    "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
    "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "PYTHONUNBUFFERED": "1",
}


class LabelStudioServerError(NewsclaimsError):
    """Label Studio cannot be installed, started, stopped or logged into."""


def log_tail(path: Path, chars: int = 3000) -> str:
    """The end of a log file, or an empty string if there is none."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def _marker(venv_dir: Path, version: str) -> Path:
    return venv_dir / f".label-studio-{version}-installed"


def is_installed(venv_dir: Path, version: str = LS_VERSION) -> bool:
    """Whether ``ensure_installed`` completed in ``venv_dir`` (a cheap check, no subprocess)."""
    venv_dir = Path(venv_dir).absolute()
    return _marker(venv_dir, version).exists() and (venv_dir / "bin" / "label-studio").exists()


def _installed_version(python: Path) -> str | None:
    try:
        result = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('label-studio'))"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def ensure_installed(venv_dir: Path, version: str = LS_VERSION, timeout: float = 900.0) -> Path:
    """Make ``venv_dir`` a virtual environment with label-studio==version unless it has one.

    Returns the absolute path of its ``label-studio`` executable. pip's output goes to
    ``venv_dir/pip-install-label-studio.log``. A marker file written after pip succeeded
    tells a complete install from an interrupted one; a lock file beside the folder keeps
    two processes from installing at once.
    """
    venv_dir = Path(venv_dir).absolute()
    exe = venv_dir / "bin" / "label-studio"
    if is_installed(venv_dir, version):
        return exe
    venv_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(venv_dir.parent / f".{venv_dir.name}.lock", "w") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LabelStudioServerError(f"another process has been installing into {venv_dir} for {timeout:.0f} s") from None
                time.sleep(1.0)
        if is_installed(venv_dir, version):
            return exe
        python = venv_dir / "bin" / "python"
        if not python.exists():
            venv.EnvBuilder(with_pip=True).create(venv_dir)
        if not (exe.exists() and _installed_version(python) == version):
            _pip_install(python, version, venv_dir / INSTALL_LOG, timeout)
        if not exe.exists():
            raise LabelStudioServerError(f"{exe} is missing after pip install; see {venv_dir / INSTALL_LOG}")
        _marker(venv_dir, version).touch()
    return exe


def _pip_install(python: Path, version: str, log: Path, timeout: float) -> None:
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", f"label-studio=={version}"]
    with open(log, "ab") as handle:
        try:
            subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=True, timeout=timeout)
        except subprocess.CalledProcessError as exc:
            raise LabelStudioServerError(
                f"pip install label-studio=={version} failed (exit {exc.returncode}); see {log}:\n{log_tail(log)}"
            ) from None
        except subprocess.TimeoutExpired:
            raise LabelStudioServerError(f"pip install label-studio=={version} took more than {timeout:.0f} s; see {log}") from None


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A port nothing listens on at 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def is_healthy(url: str, timeout: float = 3.0) -> bool:
    try:
        response = requests.get(f"{url.rstrip('/')}/health", timeout=timeout)
        return response.status_code == 200 and response.json().get("status") == "UP"
    except (requests.RequestException, ValueError):
        return False


def server_env(home: Path, **extra: str) -> dict[str, str]:
    """The whole environment of a label-studio process working on the data folder ``home``."""
    env = {name: value for name, value in os.environ.items() if name in _KEPT_ENV or name.startswith("LC_")}
    env.update(_QUIET_ENV)
    env["LABEL_STUDIO_BASE_DATA_DIR"] = str(Path(home).absolute())
    env.update(extra)
    return env


@dataclass
class LocalServer:
    """One label-studio server over one data folder (``home``), listening on 127.0.0.1:port.

    ``start`` initializes the folder on first use, with the admin user given here; after
    that the admin's password lives in the database and these fields only have to match it.
    Logs: ``home/init.log`` and ``home/server.log``.
    """

    home: Path
    port: int
    admin_email: str
    admin_password: str = field(repr=False)
    exe: Path
    init_timeout: float = 300.0
    stop_timeout: float = 20.0
    _process: subprocess.Popen | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.home = Path(self.home).absolute()
        self.exe = Path(self.exe).absolute()
        # The login form lower-cases what it is given and the lookup is exact: a user stored
        # with capitals could never log in.
        self.admin_email = self.admin_email.lower()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    @property
    def init_log_path(self) -> Path:
        return self.home / "init.log"

    @property
    def initialized(self) -> bool:
        return (self.home / "label_studio.sqlite3").exists()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def init(self) -> bool:
        """Create the database and the admin user unless the folder has a database. Returns
        whether it did. The credentials go through the environment, not the command line."""
        if self.initialized:
            return False
        self.home.mkdir(parents=True, exist_ok=True)
        env = server_env(self.home, LABEL_STUDIO_USERNAME=self.admin_email, LABEL_STUDIO_PASSWORD=self.admin_password)
        with open(self.init_log_path, "ab") as handle:
            try:
                subprocess.run(
                    [str(self.exe), "init", "--no-browser", "--quiet"],
                    env=env, cwd=self.home, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    check=True, timeout=self.init_timeout, start_new_session=True,
                )
            except subprocess.CalledProcessError as exc:
                raise LabelStudioServerError(
                    f"label-studio init failed (exit {exc.returncode}); see {self.init_log_path}:\n{log_tail(self.init_log_path)}"
                ) from None
            except subprocess.TimeoutExpired:
                raise LabelStudioServerError(
                    f"label-studio init took more than {self.init_timeout:.0f} s; see {self.init_log_path}:\n{log_tail(self.init_log_path)}"
                ) from None
        if not self.initialized:
            raise LabelStudioServerError(f"label-studio init created no database in {self.home}; see {self.init_log_path}")
        return True

    def start(self) -> None:
        """Initialize if needed and start the server in the background; see ``wait_healthy``."""
        if self.running:
            raise LabelStudioServerError(f"the server of {self.home} is already running (pid {self.pid})")
        if not self.exe.exists():
            raise LabelStudioServerError(f"{self.exe}: no such executable; install Label Studio first")
        self._refuse_busy_port()
        self.init()
        self._refuse_busy_port()
        command = [
            str(self.exe), "start", "--no-browser",
            "--internal-host", HOST, "--host", self.url, "--port", str(self.port), "--log-level", "WARNING",
        ]
        with open(self.log_path, "ab") as handle:
            self._process = subprocess.Popen(
                command, env=server_env(self.home), cwd=self.home, stdout=handle, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def _refuse_busy_port(self) -> None:
        if port_in_use(self.port):
            raise LabelStudioServerError(f"port {self.port} on {HOST} is already in use; choose another port")

    def wait_healthy(self, timeout: float = 120.0, interval: float = 0.5) -> float:
        """Wait until ``GET /health`` answers UP; return the seconds waited. Raises, with the
        end of the log, if the server exits first or the time is up."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self._process is not None and self._process.poll() is not None:
                raise LabelStudioServerError(
                    f"label-studio exited (code {self._process.returncode}) before it was healthy; "
                    f"see {self.log_path}:\n{log_tail(self.log_path)}"
                )
            if is_healthy(self.url):
                return time.monotonic() - start
            time.sleep(interval)
        raise LabelStudioServerError(
            f"{self.url}/health was not UP after {timeout:.0f} s; see {self.log_path}:\n{log_tail(self.log_path)}"
        )

    def stop(self) -> int | None:
        """Stop the server's whole process group: SIGTERM, then SIGKILL. Returns its exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=self.stop_timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
        return process.poll()

    def reset_password(self, email: str, password: str, timeout: float = 180.0) -> None:
        """Set a user's password with ``label-studio reset_password`` on this data folder
        (safe while the server runs). The command exits 0 even for an unknown user, so its
        output is checked."""
        email = email.lower()
        try:
            result = subprocess.run(
                [str(self.exe), "reset_password", "--username", email, "--password", password],
                env=server_env(self.home), cwd=self.home, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                timeout=timeout, start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            raise LabelStudioServerError(f"label-studio reset_password for {email} took more than {timeout:.0f} s") from None
        output = (result.stdout or "") + (result.stderr or "")
        if result.returncode != 0 or not any(
            line in output for line in ("Password successfully changed", "Entered password is the same as current")
        ):
            raise LabelStudioServerError(f"label-studio reset_password for {email} failed (exit {result.returncode}):\n{output[-1500:]}")

    def __enter__(self) -> LocalServer:
        self.start()
        try:
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class ServerAccess:
    """Where a running server is and how its admin logs in, for objects that hold a ``server``."""

    server: LocalServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def admin_email(self) -> str:
        return self.server.admin_email

    @property
    def admin_password(self) -> str:
        return self.server.admin_password


def _login(url: str, email: str, password: str, timeout: float) -> requests.Session:
    """A session logged in through the HTML form (Django session cookie + CSRF)."""
    session = requests.Session()
    login = f"{url}/user/login/"
    try:
        session.get(login, timeout=timeout).raise_for_status()
        csrf = session.cookies.get("csrftoken")
        if not csrf:
            raise LabelStudioServerError(f"{login}: no csrftoken cookie; is this a Label Studio server?")
        response = session.post(
            login,
            data={"email": email, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": login, "X-CSRFToken": csrf},
            allow_redirects=False, timeout=timeout,
        )
    except requests.RequestException as exc:
        raise LabelStudioServerError(f"{login}: {type(exc).__name__}: cannot log in") from None
    # Success is a redirect with a session cookie; wrong credentials re-render the form (200).
    if response.status_code not in (301, 302) or not session.cookies.get("sessionid"):
        raise LabelStudioServerError(f"{url}: cannot log in as {email} (HTTP {response.status_code}): wrong email or password?")
    return session


def _detail(response: requests.Response) -> str:
    """The server's ``detail`` message only: token responses may carry a token elsewhere."""
    try:
        detail = response.json().get("detail", "")
    except (ValueError, AttributeError):
        detail = ""
    return f"HTTP {response.status_code}" + (f": {detail}" if isinstance(detail, str) and detail else "")


def personal_access_token(url: str, email: str, password: str, *, revoke_existing: bool = True, timeout: float = HTTP_TIMEOUT) -> str:
    """A new personal access token (a JWT refresh token) of the user, for
    ``LabelStudio(base_url=url, api_key=token)``.

    ``POST /api/token/`` shows a token once, and only while the user has no valid one (409
    otherwise); the listing shows truncated tokens, which are enough to revoke them. With
    ``revoke_existing`` the user's existing tokens are revoked and a new one is created.
    """
    url = url.rstrip("/")
    email = email.lower()
    session = _login(url, email, password, timeout)
    headers = {"X-CSRFToken": session.cookies.get("csrftoken") or "", "Referer": f"{url}/"}
    try:
        response = session.post(f"{url}/api/token/", json={}, headers=headers, timeout=timeout)
        if response.status_code == 409 and revoke_existing:
            listing = session.get(f"{url}/api/token/", timeout=timeout)
            if listing.status_code != 200:
                raise LabelStudioServerError(f"{url}/api/token/: cannot list the tokens of {email} ({_detail(listing)})")
            for item in listing.json():
                revoked = session.post(f"{url}/api/token/blacklist/", json={"refresh": item["token"]}, headers=headers, timeout=timeout)
                if revoked.status_code not in (204, 404):  # 404: already revoked
                    raise LabelStudioServerError(f"{url}/api/token/blacklist/: cannot revoke a token of {email} ({_detail(revoked)})")
            response = session.post(f"{url}/api/token/", json={}, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise LabelStudioServerError(f"{url}/api/token/: {type(exc).__name__}: cannot create a token for {email}") from None
    token = None
    if response.status_code == 201:
        try:
            token = response.json().get("token")
        except ValueError:
            token = None
    if not isinstance(token, str) or not token:
        raise LabelStudioServerError(f"{url}/api/token/: no token created for {email} ({_detail(response)})")
    return token


def create_annotator(server: LocalServer, admin_client: Any, email: str, password: str) -> dict[str, Any]:
    """Create (or reuse) the user ``email``, make ``password`` its password and return
    ``{"id", "email", "token"}`` with a new personal access token of that user.

    ``admin_client`` is a ``label_studio_sdk.LabelStudio`` of an administrator. A user made
    through the API joins the administrator's organization and sees its projects.
    """
    email = email.lower()
    existing = [user for user in admin_client.users.list() if (user.email or "").lower() == email]
    if existing:
        user = existing[0]
        if user.email != email:  # email is read-only over the API
            raise LabelStudioServerError(
                f"user {user.id} is stored as {user.email!r}, which can never log in; delete it and create it again"
            )
    else:
        username = email.split("@")[0]
        user = admin_client.users.create(email=email, username=username, password=password)
    server.reset_password(email, password)
    token = personal_access_token(server.url, email, password)
    return {"id": user.id, "email": email, "token": token}
