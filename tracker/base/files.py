"""Reading a file a user names: a regular file or standard input, and never more than a cap.

``stat`` cannot be trusted for the size (``/dev/zero`` says 0 bytes and never ends), so the cap is
applied while reading; and only regular files are opened for reading, so a device, a FIFO or a
socket is refused before a byte is read.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from tracker.base.errors import InputError

MAX_INPUT = 64 * 1024 * 1024
"""The most read from one input: a report, an export or a runbook is never that big."""


def read_capped(name: str, *, stdin: BinaryIO | None = None, limit: int = MAX_INPUT,
                label: str | None = None) -> bytes:
    """The bytes of the file ``name``, or of ``stdin`` for ``-``; errors start with ``label`` (default ``name``).

    Refused, with a one-line error: a folder, anything that is not a regular file (devices, FIFOs,
    sockets; a FIFO is opened without waiting for a writer), and more than ``limit`` bytes (standard
    input included: it is read up to the cap, never to its end).
    """
    where = label or name
    if name == "-":
        if stdin is None:
            raise InputError(f"{where}: standard input cannot be read here")
        try:
            return _capped(stdin, where, limit)
        except OSError as exc:
            raise InputError(f"{where}: cannot read ({exc.strerror})") from None
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{where}: is a directory")
        if not stat.S_ISREG(mode):
            raise InputError(f"{where}: not a regular file (a device, a pipe or a socket): give a file or -")
        os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        try:
            return _capped(fh, where, limit)
        except OSError as exc:
            raise InputError(f"{where}: cannot read ({exc.strerror})") from None


def _capped(stream: BinaryIO, where: str, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{where}: larger than {_size(limit)}")
    return data


def _size(limit: int) -> str:
    return f"{limit // 1_048_576} MB" if limit >= 1_048_576 else f"{limit:,} bytes"
