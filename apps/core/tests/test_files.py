import os
import stat

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage

from apps.core.files import write_files


def test_writes_each_file_under_its_name_creating_directories(tmp_path):
    storage = FileSystemStorage(location=tmp_path, allow_overwrite=True)
    data = os.urandom(300_000)  # bigger than one write() may take

    write_files({"jobs/1/items/7/chart.png": data, "jobs/1/items/7/chart.csv": b"a,b\n"}, storage=storage)

    assert (tmp_path / "jobs/1/items/7/chart.png").read_bytes() == data
    assert storage.open("jobs/1/items/7/chart.csv").read() == b"a,b\n"


def test_replaces_an_earlier_attempts_file_whole(tmp_path):
    storage = FileSystemStorage(location=tmp_path, allow_overwrite=True)
    write_files({"a/chart.svg": b"<svg>an older, longer drawing</svg>"}, storage=storage)

    write_files({"a/chart.svg": b"<svg/>"}, storage=storage)

    assert (tmp_path / "a/chart.svg").read_bytes() == b"<svg/>"
    assert os.listdir(tmp_path / "a") == ["chart.svg"]


def test_applies_the_storages_permissions(tmp_path):
    storage = FileSystemStorage(
        location=tmp_path, allow_overwrite=True, file_permissions_mode=0o640, directory_permissions_mode=0o750
    )
    write_files({"deep/er/chart.json": b"{}"}, storage=storage)

    assert stat.S_IMODE((tmp_path / "deep/er/chart.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "deep").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "deep/er").stat().st_mode) == 0o750


def test_refuses_a_name_outside_the_storage(tmp_path):
    storage = FileSystemStorage(location=tmp_path / "media", allow_overwrite=True)
    with pytest.raises(SuspiciousFileOperation):
        write_files({"../escaped.png": b"x"}, storage=storage)
    assert not (tmp_path / "escaped.png").exists()


def test_an_unwritable_directory_raises_oserror(tmp_path):
    storage = FileSystemStorage(location=tmp_path, allow_overwrite=True)
    (tmp_path / "jobs").write_bytes(b"a file where a directory should be")
    with pytest.raises(NotADirectoryError):
        write_files({"jobs/1/chart.png": b"x"}, storage=storage)


def test_other_storages_go_through_save():
    storage = InMemoryStorage()
    write_files({"jobs/1/chart.png": b"png"}, storage=storage)
    assert storage.open("jobs/1/chart.png").read() == b"png"


def test_a_storage_that_keeps_old_files_still_ends_with_the_new_one_under_the_name(tmp_path):
    storage = FileSystemStorage(location=tmp_path)  # no overwrite: save() would pick another name
    storage.save("jobs/1/chart.png", ContentFile(b"old"))

    write_files({"jobs/1/chart.png": b"new"}, storage=storage)

    assert (tmp_path / "jobs/1/chart.png").read_bytes() == b"new"
    assert os.listdir(tmp_path / "jobs/1") == ["chart.png"]
