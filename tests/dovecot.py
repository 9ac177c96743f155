"""A real IMAP server for the ``fetch-mail`` tests: Debian's Dovecot (``dovecot-imapd``),
started by the test itself from a generated ``dovecot.conf`` in a temporary folder -- a
passwd-file user, maildirs in that folder, 127.0.0.1 and a free port, ``dovecot -F`` as a
child process; no system service.  Missing Dovecot skips these tests locally and fails them in
CI (``CI=true``): ``make test`` and ``.ci/run`` install it (as root, with apt-get)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .smtp_server import free_port

USER = "shop"
PASSWORD = "imap-test-password"


def dovecot_binary() -> str:
    """The ``dovecot`` program, or a skip (a failure under ``CI=true``)."""
    found = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )
    if found is None:
        message = (
            "Dovecot is not installed (Debian: apt-get install dovecot-imapd; `make test` "
            "does it as root)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " In CI the IMAP tests must run, never skip.", pytrace=False)
        pytest.skip(message)
    return found


def _accounts() -> tuple[str, str, int, int]:
    """(internal user, login user, uid and gid of the mailbox's files).  As root Dovecot runs
    its parts as its own users and the mail as ``nobody`` (it never gives mail to uid 0);
    otherwise everything runs as the user running the tests."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return "dovecot", "dovenull", nobody.pw_uid, nobody.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot: where to connect, and the config a host app needs for it."""

    port: int
    root: Path

    def config(self, **extra: object) -> dict[str, object]:
        settings: dict[str, object] = {
            "ORDER_MESSAGES_IMAP_HOST": "127.0.0.1",
            "ORDER_MESSAGES_IMAP_PORT": self.port,
            "ORDER_MESSAGES_IMAP_USER": USER,
            "ORDER_MESSAGES_IMAP_PASSWORD": PASSWORD,
            "ORDER_MESSAGES_IMAP_SSL": False,
        }
        settings.update(extra)
        return settings

    def client(self) -> object:
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _wait_for(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    import socket

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            log = (
                (root / "dovecot.log").read_text(errors="replace")
                if (root / "dovecot.log").exists()
                else ""
            )
            raise RuntimeError(f"Dovecot stopped at start-up: {output}\n{log}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            try:
                if sock.connect_ex(("127.0.0.1", port)) == 0 and b"OK" in sock.recv(200):
                    return
            except TimeoutError:  # connected, greeting not sent yet (a loaded machine)
                pass
        time.sleep(0.1)
    raise RuntimeError(f"Dovecot did not answer on port {port}")


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    internal, login, uid, gid = _accounts()
    # Not under pytest's tmp_path: its folders are 0700, and the mail runs as another user.
    root = Path(tempfile.mkdtemp(prefix="om-dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "home"):
        (root / name).mkdir()
    os.chown(root / "home", uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        CONFIG.format(root=root, internal=internal, login=login, uid=uid, gid=gid, port=port)
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(port, process, root)
        yield Dovecot(port, root)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)
