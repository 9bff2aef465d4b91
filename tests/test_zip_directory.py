"""A zip's entry count is read from its end record before zipfile parses the central directory."""

import io
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograde.errors import BadSubmission
from autograde.grading import intake, zip_directory
from autograde.grading.zip_directory import END, END64, END64_SIGNATURE, END_SIGNATURE, LOCATOR, LOCATOR_SIGNATURE

REPO = Path(__file__).resolve().parent.parent
SOURCE = b"def rnn_step(x_t, h_prev, Wxh, Whh, bh):\n    return x_t\n"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return stream.getvalue()


def many_entries(count: int) -> bytes:
    return zip_bytes({"rnn_step.py": SOURCE, **{f"e{i}": b"" for i in range(count)}})


def with_end_record(data: bytes, *, entries: int | None = None, size: int | None = None, zip64: bool = False) -> bytes:
    """``data`` (a zip without comment) with its end record rewritten, as plain or zip64 records."""
    position = len(data) - END.size
    fields = list(END.unpack(data[position:]))
    real_entries, real_size, offset = fields[4], fields[5], fields[6]
    entries = real_entries if entries is None else entries
    size = real_size if size is None else size
    if not zip64:
        fields[3] = fields[4] = entries & 0xFFFF
        fields[5] = size
        return data[:position] + END.pack(*fields)
    record = END64.pack(END64_SIGNATURE, END64.size - 12, 45, 45, 0, 0, entries, entries, size, offset)
    locator = LOCATOR.pack(LOCATOR_SIGNATURE, 0, position, 1)
    plain = END.pack(END_SIGNATURE, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return data[:position] + record + locator + plain


def write(tmp_path, data: bytes, name: str = "x.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_end_record_gives_the_count_zipfile_will_use(tmp_path):
    data = many_entries(3)
    with open(write(tmp_path, data), "rb") as fp:
        directory = zip_directory.locate(fp)
        assert (directory.entries, directory.zip64) == (4, False)
        assert zip_directory.count_entries(fp, directory) == 4


def test_a_zip64_end_record_is_read_and_zipfile_agrees(tmp_path):
    path = write(tmp_path, with_end_record(many_entries(3), zip64=True))
    with open(path, "rb") as fp:
        directory = zip_directory.locate(fp)
    assert (directory.entries, directory.zip64) == (4, True)
    assert len(zipfile.ZipFile(path).infolist()) == 4
    assert intake.collect(path, ("rnn_step",)) == {"rnn_step": SOURCE}


@pytest.mark.parametrize("zip64", [False, True])
def test_20000_entries_are_refused_and_so_is_an_end_record_that_hides_them(tmp_path, zip64):
    data = many_entries(20_000)
    for archive in (with_end_record(data, zip64=zip64), with_end_record(data, entries=5, zip64=zip64)):
        with pytest.raises(BadSubmission, match="more than 10000 entries"):
            intake.collect(write(tmp_path, archive), ("rnn_step",))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda data: data[:-END.size] + b"\0" * END.size, "no end-of-central-directory record"),
        (lambda data: with_end_record(data, size=len(data) * 2), "points outside the file"),
        (lambda data: with_end_record(data, size=0xFFFF_FFFF_FFFF, zip64=True), "points outside the file"),
        (lambda data: with_end_record(data, size=8 << 20), "directory is larger than 4 MiB|outside"),
        (lambda data: data[:30], "could not be read"),
    ],
)
def test_a_missing_or_lying_end_record_is_a_bad_submission(tmp_path, damage, expected):
    with pytest.raises(BadSubmission, match=expected):
        intake.collect(write(tmp_path, damage(many_entries(3))), ("rnn_step",))


def test_20000_entries_are_refused_quickly_with_bounded_memory(tmp_path):
    path = write(tmp_path, many_entries(20_000))
    probe = textwrap.dedent(f"""
        import time, tracemalloc
        from pathlib import Path
        from autograde.errors import BadSubmission
        from autograde.grading import intake
        tracemalloc.start()
        started = time.perf_counter()
        try:
            intake.collect_zip(Path({str(path)!r}), ("rnn_step",))
        except BadSubmission:
            pass
        print(time.perf_counter() - started, tracemalloc.get_traced_memory()[1])
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60)
    seconds, peak = result.stdout.split()
    assert float(seconds) < 1.0, result.stderr
    assert int(peak) < 1 << 20  # zipfile.ZipFile alone allocates about 10 MiB for these entries
