"""Two server processes sharing Redis: what one changes, the other serves at once.

Starts two gunicorn processes (one worker each) on a fresh SQLite file and Redis
database 14, the way production runs many web processes: the page cache and allauth's
rate limits must be one for both, or a visitor sees an old page for minutes and an
attacker gets a fresh lock-out counter per process.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is needed at {REDIS_URL} (CI has it): {exc}")
    if not shutil.which("gunicorn", path=str(Path(sys.executable).parent)):
        pytest.fail("gunicorn is not installed in the virtualenv")
    folder = tmp_path_factory.mktemp("two-servers")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.integration.server_settings",
        "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "REDIS_URL": REDIS_URL,
        "PYTHONPATH": str(ROOT),
    }
    _manage(env, "migrate", "--noinput")
    data = json.loads(
        _manage(env, "shell", "-c", (ROOT / "tests/integration/setup_site.py").read_text())
        .strip()
        .splitlines()[-1]
    )
    servers = []
    for _ in range(2):
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi:application",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append((f"http://127.0.0.1:{port}", process))
    try:
        for base, process in servers:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310
                    break
                except OSError:  # refused, reset or timed out while it starts
                    assert process.poll() is None, "a server process died at start"
                    assert time.monotonic() < deadline, "a server did not start in 60 s"
                    time.sleep(0.3)
        yield {"a": servers[0][0], "b": servers[1][0], **data}
    finally:
        for _, process in servers:
            process.terminate()
        for _, process in servers:
            process.wait(timeout=20)


class Browser:
    """A cookie-keeping HTTP client (urllib's cookie jar will not mix with a set cookie)."""

    def __init__(self, session: str | None = None):
        self.cookies = {"sessionid": session} if session else {}

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        # Both processes stand behind one public host, as behind a load balancer (allauth's
        # per-account limit keys on the host name).
        request.add_header("Host", "localhost")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.read().decode()

    def get(self, url: str) -> str:
        return self._open(urllib.request.Request(url))[1]  # noqa: S310

    def post(self, url: str, data: dict, *, token: str) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        return self._open(urllib.request.Request(url, data=body, headers={"Referer": url}))  # noqa: S310


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_vote_through_one_process_shows_at_once_through_the_other(site):
    thread_a = site["a"] + site["thread_url"]
    visitor = Browser()
    before = visitor.get(thread_a)
    assert visitor.get(thread_a) == before  # now served from the shared cache
    assert re.search(rf'id="vote-{site["answer_id"]}".*?>0<', before, re.S)

    member = Browser(site["session"])
    page_b = member.get(site["b"] + site["thread_url"])
    status, _ = member.post(
        f"{site['b']}/p/{site['answer_id']}/vote", {"value": "up"}, token=_token(page_b)
    )
    assert status == 302

    after = visitor.get(thread_a)
    assert re.search(rf'id="vote-{site["answer_id"]}".*?>1<', after, re.S)


def test_failed_log_ins_count_across_both_processes(site):
    def log_in(base: str, password: str) -> tuple[int, str]:
        browser = Browser()
        form = browser.get(f"{base}/accounts/login/")
        return browser.post(
            f"{base}/accounts/login/",
            {"login": "victim", "password": password},
            token=_token(form),
        )

    for attempt in range(5):
        status, html = log_in(site["a"] if attempt % 2 == 0 else site["b"], f"wrong-{attempt}")
        assert status == 200
        assert "Too many failed login attempts" not in html
    # allauth allows 5 failed log-ins per account in 5 minutes: the next attempt, even with
    # the right password and through the other process, is refused.
    status, html = log_in(site["b"], "correct-horse-battery")
    assert status != 302
    assert "Too many failed login attempts" in html
