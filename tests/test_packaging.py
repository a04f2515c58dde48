"""The .deb (`make deb`, scripts/build-deb.sh) and what it installs.

Builds the package from the binary under test (SHOAL_BIN or build/shoal),
checks its metadata and file list, verifies the systemd unit offline with
`systemd-analyze verify --root` (and its hardening with `systemd-analyze
security --offline`), installs the package into a temporary root with
`dpkg -x` (no root privileges needed), then starts the installed binary
with the installed config file and talks to it with redis-cli. The
maintainer scripts run against stub commands that record what they would
do to the system. docs/packaging.md.
"""
import os
import shutil
import socket
import stat
import subprocess
import time

import pytest

from conftest import ROOT, SHOAL_EXE as SHOAL, free_port

UNIT = "lib/systemd/system/shoal.service"
CONF = "etc/shoal/shoal.conf"


def run(*cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    out = tmp_path_factory.mktemp("pkg")
    res = run("bash", os.path.join(ROOT, "scripts", "build-deb.sh"), SHOAL, out)
    assert res.returncode == 0, res.stderr
    path = res.stdout.strip().splitlines()[-1]
    assert os.path.isfile(path) and path.endswith(".deb")
    return path


@pytest.fixture(scope="module")
def installed(deb, tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    res = run("dpkg", "-x", deb, root)
    assert res.returncode == 0, res.stderr
    return root


def test_control_fields(deb):
    res = run("dpkg-deb", "-I", deb)
    assert res.returncode == 0, res.stderr
    fields = {}
    for line in res.stdout.splitlines():
        line = line.strip()
        if ": " in line and not line.startswith(("new Debian", "size")):
            k, v = line.split(": ", 1)
            fields.setdefault(k, v)
    assert fields["Package"] == "shoal"
    version = run(SHOAL, "--version").stdout
    assert f"v={fields['Version']} " in version
    deps = fields["Depends"]
    for lib in ("adduser", "libuv1", "libgflags2.2", "libssl3"):
        assert lib in deps
    for script in ("postinst", "prerm", "postrm", "conffiles"):
        assert script in res.stdout


def test_file_list(deb):
    res = run("dpkg-deb", "-c", deb)
    assert res.returncode == 0, res.stderr
    entries = {}
    for line in res.stdout.splitlines():
        parts = line.split()
        entries[parts[-1].lstrip(".")] = (parts[0], parts[1])
    assert entries["/usr/bin/shoal"][0] == "-rwxr-xr-x"
    assert entries["/etc/shoal/shoal.conf"][0] == "-rw-r--r--"
    assert entries["/lib/systemd/system/shoal.service"][0] == "-rw-r--r--"
    assert "/var/lib/shoal/" in entries
    # Built without root, owned by root in the archive.
    assert all(owner == "root/root" for _, owner in entries.values())


def test_conffile_declared(deb, tmp_path):
    res = run("dpkg-deb", "-e", deb, tmp_path / "ctl")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "ctl" / "conffiles").read_text().split() == ["/etc/shoal/shoal.conf"]
    for script in ("postinst", "prerm", "postrm"):
        p = tmp_path / "ctl" / script
        assert os.stat(p).st_mode & stat.S_IXUSR
        assert run("sh", "-n", p).returncode == 0


def test_default_config_is_safe(installed):
    text = (installed / CONF).read_text()
    directives = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition(" ")
            directives[name] = value
    assert directives["bind"] == "127.0.0.1 -::1"
    assert directives["protected-mode"] == "yes"
    assert "requirepass" not in directives  # no shipped password


def unit_root(installed):
    """The installed tree plus the host's target units, which the unit's
    default dependencies name (sysinit.target, basic.target...)."""
    units = installed / "lib" / "systemd" / "system"
    for name in os.listdir("/lib/systemd/system"):
        if name.endswith(".target") and not (units / name).exists():
            shutil.copy(os.path.join("/lib/systemd/system", name), units / name)
    return installed


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd not installed")
def test_unit_verifies(installed):
    root = unit_root(installed)
    # --root: the unit is loaded from the installed tree and its ExecStart
    # binary must exist there; no running systemd is needed (containers).
    res = run("systemd-analyze", "verify", f"--root={root}", root / UNIT)
    assert res.returncode == 0, res.stdout + res.stderr
    # verify only warns (exit 0) about unknown keys and bad values.
    assert res.stdout.strip() == "" and res.stderr.strip() == "", res.stdout + res.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd not installed")
def test_unit_hardening(installed):
    unit = (installed / UNIT).read_text()
    for option in ("User=shoal", "NoNewPrivileges=yes", "ProtectSystem=strict",
                   "ProtectHome=yes", "PrivateTmp=yes", "ReadWritePaths=/var/lib/shoal",
                   "WorkingDirectory=/var/lib/shoal", "LimitNOFILE=", "CapabilityBoundingSet=",
                   "ExecStart=/usr/bin/shoal /etc/shoal/shoal.conf"):
        assert option in unit
    root = unit_root(installed)
    # systemd's own exposure score (0 best, 10 worst; "OK" is below 4):
    # at most 2.0 (--threshold counts tenths). The unit scores 1.5.
    res = run("systemd-analyze", "security", "--offline=true", f"--root={root}",
              "--threshold=20", root / UNIT)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr


def test_installed_binary_serves_with_installed_config(installed):
    port = free_port()
    binary = installed / "usr" / "bin" / "shoal"
    proc = subprocess.Popen([str(binary), str(installed / CONF), "--port", str(port),
                             "--threads", "1"], cwd=installed,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.time() < deadline, "the installed shoal did not listen"
                time.sleep(0.05)

        def cli(*args):
            res = run("redis-cli", "-h", "127.0.0.1", "-p", port, *args)
            assert res.returncode == 0, res.stderr
            return res.stdout.strip()

        assert cli("PING") == "PONG"
        assert cli("SET", "pkg:key", "hello") == "OK"
        assert cli("GET", "pkg:key") == "hello"
        assert cli("CONFIG", "GET", "bind").splitlines() == ["bind", "127.0.0.1 -::1"]
        assert cli("CONFIG", "GET", "protected-mode").splitlines() == ["protected-mode", "yes"]
        # Loopback only: every listening socket of the process is on 127.0.0.1 or ::1.
        ss = run("ss", "-Hltnp")
        if ss.returncode == 0:
            mine = [line.split()[3] for line in ss.stdout.splitlines() if f"pid={proc.pid}," in line]
            assert mine and all(a.startswith(("127.0.0.1:", "[::1]:")) for a in mine), mine
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


STUBS = ("getent", "addgroup", "adduser", "deluser", "delgroup", "install", "chown", "chmod",
         "deb-systemd-helper", "deb-systemd-invoke", "systemctl", "rm")


def run_maintainer_script(deb, tmp_path, script, *args):
    """Runs a maintainer script with every command it may call replaced by
    a stub that logs its arguments (getent answers "no such user")."""
    ctl = tmp_path / "ctl"
    if not ctl.exists():
        assert run("dpkg-deb", "-e", deb, ctl).returncode == 0
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    for name in STUBS:
        code = "exit 2" if name == "getent" else "exit 0"
        (stubs / name).write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n{code}\n')
        (stubs / name).chmod(0o755)
    env = {"PATH": f"{stubs}:/usr/bin:/bin"}
    res = subprocess.run(["/bin/sh", str(ctl / script), *args], env=env, capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    return log.read_text().splitlines() if log.exists() else []


def test_postinst_creates_user_and_data_dir(deb, tmp_path):
    calls = run_maintainer_script(deb, tmp_path, "postinst", "configure", "")
    assert "addgroup --system --quiet shoal" in calls
    adduser = [c for c in calls if c.startswith("adduser ")]
    assert len(adduser) == 1 and "--system" in adduser[0] and adduser[0].endswith(" shoal")
    assert "--home /var/lib/shoal" in adduser[0] and "/usr/sbin/nologin" in adduser[0]
    assert "install -d -o shoal -g shoal -m 0750 /var/lib/shoal" in calls
    assert "chown root:shoal /etc/shoal/shoal.conf" in calls
    assert any(c.startswith("deb-systemd-helper ") for c in calls)


def test_postrm_purge_removes_user_and_data(deb, tmp_path):
    calls = run_maintainer_script(deb, tmp_path, "postrm", "purge")
    assert "rm -rf /var/lib/shoal" in calls
    # getent (stubbed) says the user is gone already: nothing to delete.
    assert not any(c.startswith("deluser") for c in calls)


def test_prerm_and_postrm_remove_keep_data(deb, tmp_path):
    calls = run_maintainer_script(deb, tmp_path, "prerm", "remove")
    calls += run_maintainer_script(deb, tmp_path, "postrm", "remove")
    assert not any(c.startswith(("rm ", "deluser", "delgroup")) for c in calls)


def test_make_install_honours_prefix_and_destdir(tmp_path):
    dest = tmp_path / "dest"
    args = ["make", "-s", "-C", ROOT, "install-files", f"SHOAL_BINARY={SHOAL}",
            f"DESTDIR={dest}"]
    res = run(*args, "PREFIX=/opt/shoal")
    assert res.returncode == 0, res.stderr
    assert os.access(dest / "opt/shoal/bin/shoal", os.X_OK)
    assert (dest / "opt/shoal/etc/shoal/shoal.conf").read_text().startswith("# /etc/shoal")
    # PREFIX=/usr puts the config in /etc; an existing config is kept.
    (dest / "etc/shoal").mkdir(parents=True)
    (dest / "etc/shoal/shoal.conf").write_text("port 7777\n")
    res = run(*args, "PREFIX=/usr")
    assert res.returncode == 0, res.stderr
    assert os.access(dest / "usr/bin/shoal", os.X_OK)
    assert (dest / "etc/shoal/shoal.conf").read_text() == "port 7777\n"
    assert "kept" in res.stderr
