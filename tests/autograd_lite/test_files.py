"""write_atomically: all or nothing, with ordinary permissions, never over what is not a file."""

import errno
import os
import stat
import tempfile

import pytest

from autograd_lite.files import write_atomically


def write_text(text):
    def write(tmp):
        with open(tmp, "w") as f:
            f.write(text)
    return write


def test_writes_the_file_with_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomically(tmp_path / "out.txt", write_text("hello"))
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

    with pytest.raises(OSError, match=rf"^cannot write '{path}': disk full$"):
        write_atomically(path, fail)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_an_existing_file_keeps_its_permissions(tmp_path, mode):
    path = tmp_path / "model.npz"
    path.write_text("old")
    os.chmod(path, mode)
    write_atomically(path, write_text("new"))
    assert path.read_text() == "new" and stat.S_IMODE(os.stat(path).st_mode) == mode


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_an_existing_file_keeps_its_owner(tmp_path):
    path = tmp_path / "model.npz"
    path.write_text("old")
    os.chown(path, 12345, 23456)
    write_atomically(path, write_text("new"))
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (12345, 23456)


def test_a_folder_is_refused_and_left_as_it_was(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    with pytest.raises(IsADirectoryError, match=rf"^cannot write '{folder}': it is a folder; give the path of a file"):
        write_atomically(folder, write_text("new"))
    assert os.listdir(folder) == ["keep.txt"] and os.listdir(tmp_path) == ["models"]


def test_a_path_ending_in_a_separator_names_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"it names a folder; give the path of a file"):
        write_atomically(f"{tmp_path}{os.sep}new{os.sep}", write_text("new"))
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_and_left_as_it_was(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(ValueError, match=rf"^cannot write '{pipe}': it is a named pipe, which a file written here "
                                         r"would replace; give the path of a regular file$"):
        write_atomically(pipe, write_text("new"))
    assert stat.S_ISFIFO(os.stat(pipe).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_a_device_is_refused_and_left_as_it_was(tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers, in a folder of our own
    except (AttributeError, PermissionError, OSError):
        pytest.skip("cannot make a device node here")
    with pytest.raises(ValueError, match=r"it is a device, which a file written here would replace"):
        write_atomically(device, write_text("new"))
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.npz"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "latest.npz"
    link.symlink_to(target)
    assert write_atomically(link, write_text("new")) == str(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new" and stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["latest.npz", "real"] and os.listdir(tmp_path / "real") == ["model.npz"]


def test_a_dangling_link_creates_its_target(tmp_path):
    link = tmp_path / "latest.npz"
    link.symlink_to(tmp_path / "model.npz")
    write_atomically(link, write_text("new"))
    assert link.is_symlink() and (tmp_path / "model.npz").read_text() == "new"


def test_the_folder_is_synced_after_the_rename(tmp_path, monkeypatch):
    synced = []
    fsync = os.fsync

    def recording_fsync(fd):
        st = os.fstat(fd)
        synced.append((stat.S_ISDIR(st.st_mode), st.st_ino, os.path.exists(tmp_path / "out.txt")))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    write_atomically(tmp_path / "out.txt", write_text("hello"))
    # first the temporary file, before the rename; last the folder, after it
    assert synced[0][0] is False and synced[0][2] is False
    assert synced[-1] == (True, os.stat(tmp_path).st_ino, True)


def test_an_error_names_the_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "model.npz"

    def no_space(tmp):
        raise OSError(errno.ENOSPC, "No space left on device", tmp)

    with pytest.raises(OSError) as error:
        write_atomically(path, no_space)
    assert str(error.value) == f"[Errno {errno.ENOSPC}] No space left on device: '{path}'"
    assert error.value.filename == str(path) and ".tmp-" not in str(error.value)
    assert os.listdir(tmp_path) == []


def test_a_folder_that_refuses_new_files_names_the_path(tmp_path, monkeypatch):
    def refused(prefix, suffix, dir):
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, f"{prefix}x1y2{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(PermissionError) as error:
        write_atomically(tmp_path / "model.npz", write_text("new"))
    assert str(error.value) == f"[Errno {errno.EACCES}] Permission denied: '{tmp_path / 'model.npz'}'"

