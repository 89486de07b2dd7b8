"""The real system calls of a child process, recorded by strace, and what a durable
write must look like in them.

SIGKILL keeps the page cache, so a crash test cannot see a missing fsync; only the
calls themselves can. `record` runs a command under ``strace -f -y`` (every
descriptor printed with the path it refers to) and parses the calls that decide
durability: opening, writing, syncing and renaming. `durable_write` then finds the
steps of one `wire.durable.write_file` onto a final path and checks their order:

    openat(temp, O_CREAT|O_EXCL)  write(temp)...  fsync(temp)
    rename(temp, final)           fsync(final's directory)

strace comes from Debian (scripts/setup.sh installs it); without it the tests skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

TRACED = ("openat", "mkdir", "mkdirat", "write", "pwrite64", "writev", "pwritev", "fsync",
          "fdatasync", "rename", "renameat", "renameat2")
SYNCS = ("fsync", "fdatasync")
WRITES = ("write", "pwrite64", "writev", "pwritev")

_LINE = re.compile(r"^(?P<pid>\d+) +(?P<name>\w+)\((?P<args>.*)\) += (?P<result>-?\d+|\?)")
_UNFINISHED = re.compile(r"^(?P<pid>\d+) +(?P<name>\w+)\((?P<args>.*) <unfinished \.\.\.>$")
_RESUMED = re.compile(r"^(?P<pid>\d+) +<\.\.\. (?P<name>\w+) resumed>(?P<rest>.*)$")
_FIRST_FD = re.compile(r"^(?:-?\d+|AT_FDCWD)<(?P<path>[^>]*)>")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_DIRFD = re.compile(r"(?:-?\d+|AT_FDCWD)<(?P<path>[^>]*)>")


@dataclass(frozen=True)
class Call:
    """One completed system call: `fd_path` is the path of its first descriptor
    argument (for openat: of the descriptor it returned); `paths` its path arguments,
    made absolute."""

    index: int
    name: str
    args: str
    result: int | None
    fd_path: str | None
    paths: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result >= 0

    def __str__(self) -> str:
        return f"#{self.index} {self.name}({self.args[:160]}) = {self.result}"


@dataclass
class Trace:
    calls: list[Call]
    returncode: int
    stdout: str
    stderr: str

    def find(self, name: str | tuple[str, ...], *, path: str | None = None,
             fd_path: str | None = None, start: int = 0, ok: bool = True) -> list[Call]:
        """The calls named `name` from index `start` on, on `path` / `fd_path` if given."""
        names = (name,) if isinstance(name, str) else name
        return [c for c in self.calls[start:] if c.name in names
                and (path is None or path in c.paths)
                and (fd_path is None or c.fd_path == fd_path)
                and (not ok or c.ok)]

    def syncs_of(self, path: str | Path, start: int = 0) -> list[Call]:
        return self.find(SYNCS, fd_path=str(path), start=start)

    def excerpt(self, *needles: str) -> str:
        """The calls mentioning any of `needles`, for an assertion's message."""
        hits = [str(c) for c in self.calls if any(n in c.args or n == c.fd_path for n in needles)]
        return "\n".join(hits[-40:])


def strace_or_skip() -> str:
    found = shutil.which("strace")
    if found is None:
        pytest.skip("strace is not installed (scripts/setup.sh installs it)")
    probe = subprocess.run([found, "-qq", "-e", "trace=none", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.decode(errors='replace').strip()}")
    return found


def record(argv: list[str], log: Path, *, env: dict | None = None, cwd: Path | None = None,
           input: str | None = None, timeout: float = 300) -> Trace:
    """Runs `argv` under strace (following its threads and children) and parses the
    trace it wrote to `log`."""
    strace = strace_or_skip()
    full_env = dict(os.environ)
    full_env.update(env or {})
    done = subprocess.run(
        [strace, "-f", "-y", "-qq", "-s", "0", "-e", "trace=" + ",".join(TRACED),
         "-o", str(log), *argv],
        capture_output=True, text=True, env=full_env, cwd=cwd, input=input, timeout=timeout,
    )
    return Trace(parse(log.read_text(encoding="utf-8", errors="replace")), done.returncode,
                 done.stdout, done.stderr)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _absolute(path: str, base: str | None) -> str:
    if path.startswith("/") or base is None:
        return os.path.normpath(path)
    return os.path.normpath(os.path.join(base, path))


def _call(index: int, name: str, args: str, result: str, ret_fd: str | None) -> Call:
    first = _FIRST_FD.match(args)
    if name == "openat":
        fd_path = ret_fd
    else:
        fd_path = first.group("path") if first else None
    paths: list[str] = []
    if name in ("openat", "mkdirat", "renameat", "renameat2"):
        # dirfd, "path"[, dirfd, "path"]: each path relative to the descriptor before it
        for dirfd, string in re.findall(r'((?:-?\d+|AT_FDCWD)<[^>]*>), "((?:[^"\\]|\\.)*)"',
                                        args):
            base = _DIRFD.match(dirfd)
            paths.append(_absolute(_unescape(string), base.group("path") if base else None))
    elif name in ("rename", "mkdir"):
        paths = [_absolute(_unescape(s), None) for s in _STRING.findall(args)[:2]]
    return Call(index, name, args, None if result == "?" else int(result), fd_path,
                tuple(paths))


def parse(text: str) -> list[Call]:
    """The calls of an `strace -f -y` log, in the order they completed; a call split
    by another thread's (unfinished ... resumed) is joined again."""
    calls: list[Call] = []
    pending: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        if m := _UNFINISHED.match(line):
            pending[(m["pid"], m["name"])] = m["args"]
            continue
        if m := _RESUMED.match(line):
            start = pending.pop((m["pid"], m["name"]), "")
            line = f'{m["pid"]} {m["name"]}({start}{m["rest"]}'
        m = _LINE.match(line)
        if not m:
            continue  # signals, exits
        tail = line[m.end():]
        ret_fd = re.match(r"<(?P<path>[^>]*)>", tail)
        calls.append(_call(len(calls), m["name"], m["args"], m["result"],
                           ret_fd["path"] if ret_fd else None))
    return calls


def renames_onto(trace: Trace, final: str | Path) -> list[Call]:
    final = os.path.normpath(str(final))
    return [c for c in trace.find(("rename", "renameat", "renameat2"))
            if len(c.paths) == 2 and c.paths[1] == final]


@dataclass
class DurableWrite:
    """The steps of one durable write onto `final`, as indices into the trace."""

    final: str
    temp: str
    created: Call
    writes: list[Call]
    file_sync: Call
    renamed: Call
    dir_sync: Call


def durable_write(trace: Trace, final: str | Path, *, nth: int = -1) -> DurableWrite:
    """The `nth` durable write onto `final` (the last by default), its order checked:
    the temporary file made with O_EXCL, written, fsync'd after its last write, renamed
    onto `final`, and then `final`'s directory fsync'd. Fails with the calls that
    touched the file when a step is missing or out of order."""
    final = os.path.normpath(str(final))
    directory = os.path.dirname(final)
    renames = renames_onto(trace, final)
    assert len(renames) > nth if nth >= 0 else renames, \
        f"no rename onto {final}:\n{trace.excerpt(os.path.basename(final))}"
    renamed = renames[nth]
    temp = renamed.paths[0]
    context = trace.excerpt(temp, final, directory)

    opens = [c for c in trace.find("openat", path=temp) if c.index < renamed.index]
    assert opens, f"{temp} was never opened before its rename:\n{context}"
    created = opens[-1]
    assert "O_CREAT" in created.args and "O_EXCL" in created.args, \
        f"the temporary file was not made new (O_CREAT|O_EXCL): {created}"

    writes = [c for c in trace.find(WRITES, fd_path=temp, start=created.index)
              if c.index < renamed.index]
    syncs = [c for c in trace.syncs_of(temp, start=created.index) if c.index < renamed.index]
    assert syncs, f"{temp} was renamed onto {final} without an fsync:\n{context}"
    file_sync = syncs[-1]
    assert all(w.index < file_sync.index for w in writes), \
        f"{temp} was written after its fsync:\n{context}"

    dir_syncs = trace.syncs_of(directory, start=renamed.index + 1)
    assert dir_syncs, f"{directory} was never fsync'd after the rename onto {final}:\n{context}"
    return DurableWrite(final, temp, created, writes, file_sync, renamed, dir_syncs[0])
