"""A zip's central directory, sized from its end record before ``zipfile`` parses it.

``zipfile.ZipFile`` reads the whole central directory into memory and builds a ``ZipInfo`` for
every entry before anyone can count them: a million empty entries cost half a gigabyte. This
module finds the end-of-central-directory record (zip64 too) the way ``zipfile`` does, so the
numbers checked are the ones ``zipfile`` will use, and counts the entry headers in the
directory's bytes, so an end record that lies about the count is caught as well.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

END = struct.Struct("<4s4H2LH")  # signature, disks, entries here, entries, size, offset, comment length
END_SIGNATURE = b"PK\x05\x06"
LOCATOR = struct.Struct("<4sLQL")  # zip64 locator: signature, disk, record offset, disks
LOCATOR_SIGNATURE = b"PK\x06\x07"
END64 = struct.Struct("<4sQ2H2L4Q")  # zip64 end record: ..., entries here, entries, size, offset
END64_SIGNATURE = b"PK\x06\x06"
ENTRY_SIGNATURE = b"PK\x01\x02"
MAX_COMMENT = 0xFFFF


class BadDirectory(ValueError):
    """The end record is missing or points outside the file."""


@dataclass(frozen=True)
class CentralDirectory:
    entries: int  # what the end record claims
    start: int  # where zipfile will read the directory
    size: int  # its length in bytes
    zip64: bool


def _end_record(fp, file_size: int) -> tuple[int, tuple]:
    """(position, fields) of the end record, searched like ``zipfile._EndRecData``."""
    if file_size >= END.size:
        fp.seek(file_size - END.size)
        tail = fp.read(END.size)
        if tail[:4] == END_SIGNATURE and tail[-2:] == b"\0\0":
            return file_size - END.size, END.unpack(tail)
    start = max(file_size - END.size - MAX_COMMENT, 0)
    fp.seek(start)
    tail = fp.read()
    found = tail.rfind(END_SIGNATURE)
    if found < 0 or len(tail) - found < END.size:
        raise BadDirectory("it has no end-of-central-directory record")
    return start + found, END.unpack(tail[found:found + END.size])


def locate(fp) -> CentralDirectory:
    """Where the central directory of the zip open in ``fp`` is, and how many entries it claims."""
    fp.seek(0, 2)
    file_size = fp.tell()
    position, fields = _end_record(fp, file_size)
    entries, size, offset = fields[4], fields[5], fields[6]
    zip64 = False
    if position >= LOCATOR.size + END64.size:
        fp.seek(position - LOCATOR.size)
        locator = fp.read(LOCATOR.size)
        if locator[:4] == LOCATOR_SIGNATURE:
            fp.seek(position - LOCATOR.size - END64.size)
            record = END64.unpack(fp.read(END64.size))
            if record[0] == END64_SIGNATURE:  # without it zipfile keeps the plain record too
                entries, size, offset, zip64 = record[7], record[8], record[9], True
    start = position - size - (LOCATOR.size + END64.size if zip64 else 0)
    if start < 0 or offset > file_size:
        raise BadDirectory("its end record points outside the file")
    return CentralDirectory(entries, start, size, zip64)


def count_entries(fp, directory: CentralDirectory) -> int:
    """Entry headers in the directory's bytes: at least as many as ``zipfile`` would build."""
    fp.seek(directory.start)
    return fp.read(directory.size).count(ENTRY_SIGNATURE)
