"""write_atomically: all or nothing, with ordinary permissions."""

import os
import stat

import pytest

from autograd_lite.files import write_atomically


def test_writes_the_file_with_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomically(tmp_path / "out.txt", lambda tmp: open(tmp, "w").write("hello"))
    finally:
        os.umask(old)
    assert open(path).read() == "hello"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")

    def fail(tmp):
        open(tmp, "w").write("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, fail)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]
