"""A real `sendbot run` of the demo, reached the ways people reach a server: from this computer,
through a reverse proxy on this computer, and with bodies far larger than any page takes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from bot.storage.database import Database
from tests.e2e.forwarder import Forwarder
from tests.e2e.process import ROOT, Running, start
from tests.e2e.test_sendbot_run import demo_env
from tests.web_forms import TOKEN, demo_sign_in
from tests.workbooks import cell, row, workbook

SENDCO = "Sarah Pemberton"  # the demo school's SENDCO, from demo/staff.csv

# What each kind of proxy in front of sendbot adds to a request it passes on.
PROXIES = {
    "nginx": {"X-Forwarded-For": "{peer}", "X-Real-IP": "{peer}", "X-Forwarded-Proto": "https"},
    "Caddy": {"X-Forwarded-For": "{peer}", "X-Forwarded-Host": "sendbot.school.org"},
    "Apache (RFC 7239)": {"Forwarded": "for={peer};proto=https;host=sendbot.school.org"},
}


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """One engine is enough here: what is tested is the web app's front door."""
    return request.getfixturevalue(f"{request.param}_url")


def _port(running: Running) -> int:
    return int(running.base_url.rsplit(":", 1)[1])


def _staff_id(page: str, name: str) -> str:
    found = re.search(rf'<option value="(\d+)">{re.escape(name)}\b', page)
    assert found, f"{name} is not in the picker"
    return found.group(1)


def test_the_demo_is_closed_to_requests_passed_on_by_a_proxy(db: Database, tmp_path: Path) -> None:
    assert SENDCO in (ROOT / "demo" / "staff.csv").read_text()
    running = start(tmp_path, demo_env(db))
    try:
        browser = httpx.Client(timeout=10)
        here = browser.get(f"{running.base_url}/sign-in").text
        sendco = _staff_id(here, SENDCO)
        token = TOKEN.search(here).group(1)  # type: ignore[union-attr]
        ways = {
            name: Forwarder(("127.0.0.1", _port(running)), headers)
            for name, headers in PROXIES.items()
        }
        # A proxy that adds nothing but asks for the public name (proxy_set_header Host $host).
        ways["a proxy that adds no headers"] = Forwarder(
            ("127.0.0.1", _port(running)), host="sendbot.school.org"
        )
        for name, proxy in ways.items():
            with proxy:
                page = browser.get(f"{proxy.base_url}/sign-in")
                assert page.status_code == 200, name
                assert SENDCO not in page.text, name
                answer = browser.post(
                    f"{proxy.base_url}/sign-in/demo",
                    data={"staff_id": sendco, "next": "/sendco/register", "csrf_token": token},
                )
                assert answer.status_code == 404, (name, answer.status_code)
                register = browser.get(f"{proxy.base_url}/sendco/register")
                assert register.status_code == 303, name
                assert register.headers["location"].startswith("/sign-in"), name
                mailbox = browser.get(f"{proxy.base_url}/local")
                assert mailbox.headers["location"].startswith("/sign-in"), name
        # From this computer itself, the demo is still the demo.
        answer = browser.post(
            f"{running.base_url}/sign-in/demo",
            data={"staff_id": sendco, "next": "/sendco/register", "csrf_token": token},
        )
        assert answer.status_code == 303
        assert browser.get(f"{running.base_url}/sendco/register").status_code == 200
    finally:
        running.stop()


def test_a_public_address_without_school_sign_in_stops_at_start(
    db: Database, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DEMO"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env
        | demo_env(db)
        | {"PUBLIC_URL": "https://sendbot.school.org", "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    problem = [line for line in (done.stdout + done.stderr).splitlines() if "WEB_SIGN_IN" in line]
    assert problem and "PUBLIC_URL is https://sendbot.school.org" in problem[0]


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


# The start of a file field in a multipart body: what follows it is the file, spooled to disk by
# a server that reads it.
FILE_PART = (
    '--xyz\r\nContent-Disposition: form-data; name="register"; filename="register.csv"\r\n'
    "Content-Type: text/csv\r\n\r\n"
)


def _push(port: int, head: str, body_bytes: int, chunked: bool = False) -> tuple[int, str]:
    """Send a request whose body is `body_bytes` of filler, stopping as soon as sendbot answers
    or closes; how many body bytes it took to get there, and the status line."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(head.encode("latin-1"))
    sock.settimeout(0.05)
    sent, block = 0, b"a" * 65536
    answer = b""
    try:
        while sent < body_bytes:
            try:
                answer = sock.recv(65536)
                break  # sendbot answered, or hung up, before the body was all sent
            except TimeoutError:
                pass
            payload = block if not chunked else b"%x\r\n%s\r\n" % (len(block), block)
            sock.sendall(payload)
            sent += len(block)
        sock.settimeout(10)
        answer = answer or sock.recv(65536)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        sock.close()
    return sent, answer.split(b"\r\n", 1)[0].decode("latin-1")


def test_oversized_bodies_are_refused_before_they_are_read(db: Database, tmp_path: Path) -> None:
    spool = tmp_path / "tmp"
    spool.mkdir()
    running = start(tmp_path, demo_env(db) | {"TMPDIR": str(spool)})
    try:
        port = _port(running)
        before = _rss_kib(running.process.pid)
        big = 300_000_000
        uploads = [
            # An anonymous upload of 300 MB, said up front.
            (
                "POST /sendco/register/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: multipart/form-data; boundary=xyz\r\n"
                f"Content-Length: {big}\r\n\r\n" + FILE_PART,
                False,
            ),
            # A form of 300 MB, sent in chunks so that no length warns of it.
            (
                "POST /sign-in/demo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Transfer-Encoding: chunked\r\n\r\n",
                True,
            ),
        ]
        for head, chunked in uploads:
            sent, status = _push(port, head, big, chunked)
            assert sent < 20_000_000, (head, sent)
            assert status.split(" ")[1] in ("303", "400", "403", "413"), (head, status)
        # Within the upload limit, but nobody has signed in: not a byte of it is read.
        sent, status = _push(
            port,
            "POST /sendco/register/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            "Content-Length: 5000000\r\n\r\n" + FILE_PART,
            5_000_000,
        )
        assert sent < 1_000_000 and status.split(" ")[1] in ("303", "403"), (sent, status)
        grown = _rss_kib(running.process.pid) - before
        assert grown < 50_000, f"the process grew by {grown} KiB"
        assert list(spool.iterdir()) == []
        assert httpx.get(f"{running.base_url}/healthz", timeout=5).status_code == 200
    finally:
        running.stop()


def _hwm_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def test_a_workbook_that_lies_about_its_size_is_refused_while_healthz_answers(
    db: Database, tmp_path: Path
) -> None:
    """A few KB declaring A1:XFD10000 once took 1.46 GB and 12 s, holding the write lock."""
    headings = "Adno,UPN,Legal Surname,Legal Forename,Year,Reg,SEN Status,Primary Need".split(",")
    pupil = ["002400", "", "Ashdown", "Amara", "Year 7", "7HA", "K", "SLCN"]
    bomb = workbook(
        row(*(cell(h) for h in headings)) + row(*(cell(v) for v in pupil)) * 9_999,
        dimension="A1:XFD10000",
    )
    assert len(bomb) < 20_000
    running = start(tmp_path, demo_env(db))
    try:
        browser = httpx.Client(base_url=running.base_url, timeout=60)
        sendco = _staff_id(browser.get("/sign-in").text, SENDCO)
        demo_sign_in(browser, int(sendco))
        before = _hwm_kib(running.process.pid)
        answers: list[int] = []
        uploading = threading.Event()
        done = threading.Event()

        def watch_health() -> None:
            with httpx.Client(base_url=running.base_url, timeout=30) as watcher:
                uploading.wait(30)
                while not done.is_set():
                    answers.append(watcher.get("/healthz").status_code)

        watcher = threading.Thread(target=watch_health, daemon=True)
        watcher.start()
        uploading.set()
        page = browser.post("/sendco/register/import", files={"register": ("register.xlsx", bomb)})
        done.set()
        watcher.join(30)
        assert page.status_code == 422, page.text[:500]
        assert "Nothing was imported" in page.text
        grown = _hwm_kib(running.process.pid) - before
        assert grown < 200_000, f"the process's peak grew by {grown} KiB"
        assert answers and set(answers) == {200}
    finally:
        running.stop()
