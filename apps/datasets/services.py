"""Datasets: accept uploads, read them off the request path, and record what they can feed.

A dataset is one export or several combined (two Lens files, Lens + Google Patents...). Each file
is a `DatasetFile`, parsed once per content into its own canonical bundle (keyed by its hash and
the parser version, shared by every dataset holding the same bytes). A dataset of several files
reads the merge of their bundles (`canonical.canonical_merge`), stored as a bundle of its own,
keyed by the sorted hashes of its files — so adding a file parses only that file, and the same
set of files is merged once.

Files can be added to, or removed from, a dataset that is neither being read nor used by a job
in progress; the dataset is then read again (quickly: unchanged files are not parsed again).
A pre-aggregated Espacenet Filters export cannot be combined with anything: its counts do not
say which documents they share with the other exports, so such a mix is refused with a message.

Applicant aliases are the analyst's and live on the dataset: editing them never re-reads a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.core.broker import ensure_broker_reachable
from apps.core.exceptions import ApplicationError
from apps.core.fetch import FetchError, check_url_shape, fetch_public_url

from .canonical import (
    CanonicalData,
    IncompatibleExportsError,
    bundle_prefix,
    canonical_exists,
    canonical_load,
    canonical_merge,
    canonical_save,
)
from .models import Dataset, DatasetFile, DatasetStatus
from .names import clean_applicant_list
from .parsers import FORMAT_LABELS, MIXED_FORMAT, build_summary, parse_export
from .parsers.errors import ParseError

logger = logging.getLogger(__name__)

HASH_CHUNK_BYTES = 1024 * 1024
# Exports per dataset: each is parsed and held in memory while the merge is built.
MAX_FILES_PER_DATASET = 10
# Aliases per dataset: applied to every applicant name of every job's data.
MAX_ALIASES = 5000
MAX_NAME_LENGTH = 300
# What an upload must start with to be worth queueing: a zip (XLSX), an OLE2 file (old .xls or an
# encrypted workbook, refused with a precise message by the parser) or text. Anything else is
# refused at once.
_BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
FILTERS_FORMAT = "espacenet_filters"


def _looks_like_export(head: bytes) -> bool:
    if head.startswith(_BINARY_SIGNATURES):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text with its byte-order mark
        return True
    if b"\x00" in head[:4096]:
        return False
    return bool(head.strip())


def clean_filename(name: str) -> str:
    """The base name only, printable, bounded: it is shown to users, never used as a path."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "upload"
    return base[-255:]


def combined_hash(hashes: Sequence[str]) -> str:
    """The content key of a set of files: the file's own hash for one, a hash of the sorted set else."""
    if len(hashes) == 1:
        return hashes[0]
    return hashlib.sha256(("merge:" + ",".join(sorted(hashes))).encode()).hexdigest()


# --- Uploading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    upload: UploadedFile
    filename: str
    content_hash: str


def _check_upload(upload: UploadedFile, *, several: bool) -> _Checked:
    filename = clean_filename(upload.name or "upload")
    named = f"'{filename}': " if several else ""
    limit_mb = settings.INTELLI_MAX_UPLOAD_BYTES // (1024 * 1024)
    if upload.size is not None and upload.size > settings.INTELLI_MAX_UPLOAD_BYTES:
        raise ApplicationError(
            f"{named}The file is larger than the {limit_mb} MB limit.", code="file_too_large", status_code=413
        )
    if not upload.size:
        raise ApplicationError(
            f"{named}The file is empty.", code="empty_file", fields={"file": [f"{named}The file is empty."]}
        )
    upload.seek(0)
    head = upload.read(8192)
    if not _looks_like_export(head):
        raise ApplicationError(
            f"{named}This is not a patent export: expected an XLSX workbook or a CSV file exported from "
            "Espacenet, Lens.org or Google Patents.",
            code="unsupported_file",
            fields={"file": ["Unsupported file type."]},
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(HASH_CHUNK_BYTES):
        digest.update(chunk)
    upload.seek(0)
    return _Checked(upload=upload, filename=filename, content_hash=digest.hexdigest())


def _check_uploads(
    uploads: Sequence[UploadedFile], *, existing: Sequence[DatasetFile] = ()
) -> list[_Checked]:
    if not uploads:
        raise ApplicationError(
            "Choose a file to upload.", code="validation_error", fields={"file": ["Required."]}
        )
    if len(uploads) + len(existing) > MAX_FILES_PER_DATASET:
        raise ApplicationError(
            f"A dataset combines at most {MAX_FILES_PER_DATASET} exports.",
            code="too_many_files",
            fields={"file": [f"At most {MAX_FILES_PER_DATASET} files per dataset."]},
        )
    several = len(uploads) + len(existing) > 1
    checked = [_check_upload(upload, several=several) for upload in uploads]
    seen = {file.content_hash: file.original_filename for file in existing}
    for one in checked:
        if one.content_hash in seen:
            twin = seen[one.content_hash]
            message = f"'{one.filename}' has the same content as '{twin}', already in this dataset."
            raise ApplicationError(message, code="duplicate_file", fields={"file": [message]})
        seen[one.content_hash] = one.filename
    return checked


def dataset_create(
    *, owner, upload: UploadedFile | None = None, uploads: Sequence[UploadedFile] = (), name: str = ""
) -> Dataset:
    """A dataset from one export (`upload`) or several (`uploads`); it is read in the background."""
    checked = _check_uploads([upload] if upload is not None else list(uploads))
    first = checked[0]
    ensure_broker_reachable()
    with transaction.atomic():
        dataset = Dataset(
            owner=owner,
            name=(name or PurePath(first.filename).stem)[:200],
            original_filename=first.filename,
            size_bytes=sum(one.upload.size or 0 for one in checked),
            content_hash=combined_hash([one.content_hash for one in checked]),
        )
        dataset.source_file.save(first.filename, first.upload, save=False)
        dataset.save()
        _create_files(dataset, checked, first_stored=dataset.source_file.name)
        transaction.on_commit(lambda: _enqueue_ingest(dataset.pk))
    return dataset


def dataset_import_url(*, owner, url: str, name: str = "") -> Dataset:
    """A dataset from an export on the web: fetched and read in the background (watch `status`).

    The URL's shape is checked here, so an obvious mistake ("ftp://", an address such as
    127.0.0.1) is refused at once; where it really leads (DNS, redirects) is checked by the fetch.
    """
    url = url.strip()
    try:
        check_url_shape(url)
    except FetchError as error:
        raise ApplicationError(str(error), code="invalid_url", fields={"url": [str(error)]}) from error
    filename = clean_filename(PurePath(url.split("?", 1)[0].split("#", 1)[0]).name or "download")
    ensure_broker_reachable()
    with transaction.atomic():
        dataset = Dataset.objects.create(
            owner=owner,
            name=(name or PurePath(filename).stem or "Imported export")[:200],
            source_url=url,
            original_filename=filename,
            size_bytes=0,
            content_hash="",
        )
        transaction.on_commit(lambda: _enqueue_fetch(dataset.pk))
    return dataset


def _enqueue_fetch(dataset_id: int) -> None:
    from .tasks import fetch_dataset_url

    try:
        fetch_dataset_url.apply_async(args=[dataset_id])
    except Exception:
        logger.exception("Could not enqueue the import of dataset %s", dataset_id)
        dataset_fail(dataset_id=dataset_id, error="The task queue was unreachable; import the URL again.")


def dataset_fetch(*, dataset_id: int) -> None:
    """Download a URL dataset's export, store it as its one file, then read it like an upload."""
    dataset = (
        Dataset.objects.filter(pk=dataset_id, status=DatasetStatus.PENDING).exclude(source_url="").first()
    )
    if dataset is None or dataset.files.exists():
        return  # already fetched (a duplicate message), or not a URL dataset
    try:
        fetched = fetch_public_url(dataset.source_url, max_bytes=settings.INTELLI_MAX_UPLOAD_BYTES)
        checked = _check_upload(SimpleUploadedFile(fetched.filename, fetched.content), several=False)
    except FetchError as error:
        dataset_fail(dataset_id=dataset_id, error=f"The URL could not be imported: {error}")
        return
    except ApplicationError as error:
        dataset_fail(dataset_id=dataset_id, error=f"The URL could not be imported: {error.message}")
        return
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset_id)
        if dataset.status != DatasetStatus.PENDING or dataset.files.exists():
            return
        dataset.original_filename = checked.filename
        dataset.size_bytes = checked.upload.size or 0
        dataset.content_hash = checked.content_hash
        dataset.source_file.save(checked.filename, checked.upload, save=False)
        dataset.save(update_fields=["original_filename", "size_bytes", "content_hash", "source_file"])
        _create_files(dataset, [checked], first_stored=dataset.source_file.name)
    dataset_ingest(dataset_id=dataset_id)


def _create_files(dataset: Dataset, checked: Sequence[_Checked], *, first_stored: str | None = None) -> None:
    for index, one in enumerate(checked):
        file = DatasetFile(
            dataset=dataset,
            original_filename=one.filename,
            size_bytes=one.upload.size or 0,
            content_hash=one.content_hash,
        )
        if index == 0 and first_stored:
            file.source_file.name = first_stored  # the dataset's own copy: stored once
        else:
            file.source_file.save(one.filename, one.upload, save=False)
        file.save()


def _check_can_change_files(dataset: Dataset) -> None:
    from apps.jobs.models import JOB_ACTIVE  # here: apps.jobs imports this app

    if dataset.status in (DatasetStatus.PENDING, DatasetStatus.PROCESSING):
        raise ApplicationError(
            "This dataset is still being read; change its files once it is ready.",
            code="conflict",
            status_code=409,
        )
    if dataset.jobs.filter(status__in=JOB_ACTIVE).exists():
        raise ApplicationError(
            "A job is using this dataset; change its files when the job has finished (or cancel it).",
            code="conflict",
            status_code=409,
        )


def dataset_add_files(*, dataset: Dataset, uploads: Sequence[UploadedFile]) -> Dataset:
    """Add exports to a dataset; it is read again (only the new files are parsed)."""
    ensure_broker_reachable()
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        _check_can_change_files(dataset)
        existing = list(dataset.files.all())
        checked = _check_uploads(uploads, existing=existing)
        _create_files(dataset, checked)
        _reset_for_ingest(dataset)
    return dataset


def dataset_remove_file(*, dataset: Dataset, file_id: int) -> Dataset:
    """Take one export out of a dataset (not its last); the dataset is read again from the others."""
    ensure_broker_reachable()
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        file = dataset.files.filter(pk=file_id).first()
        if file is None:
            raise ApplicationError("File not found.", code="not_found", status_code=404)
        _check_can_change_files(dataset)
        if dataset.files.count() == 1:
            raise ApplicationError(
                "A dataset keeps at least one file; delete the dataset instead.",
                code="conflict",
                status_code=409,
            )
        stored, shared = file.source_file.name, file.source_file.name == dataset.source_file.name
        file.delete()
        if shared:
            new_first = dataset.files.first()
            assert new_first is not None  # the dataset had two files or more
            dataset.source_file.name = new_first.source_file.name
            dataset.original_filename = new_first.original_filename
        else:
            transaction.on_commit(lambda: _delete_stored(stored))
        _reset_for_ingest(dataset)
    return dataset


def _reset_for_ingest(dataset: Dataset) -> None:
    """Point the dataset at its current files and queue it for reading (inside a transaction)."""
    files = list(dataset.files.all())
    dataset.content_hash = combined_hash([file.content_hash for file in files])
    dataset.size_bytes = sum(file.size_bytes for file in files)
    dataset.status = DatasetStatus.PENDING
    dataset.error = ""
    dataset.save(
        update_fields=["content_hash", "size_bytes", "status", "error", "source_file", "original_filename"]
    )
    transaction.on_commit(lambda: _enqueue_ingest(dataset.pk))


def _delete_stored(name: str) -> None:
    if (
        DatasetFile.objects.filter(source_file=name).exists()
        or Dataset.objects.filter(source_file=name).exists()
    ):
        return
    try:
        default_storage.delete(name)
    except Exception:
        logger.warning("Could not delete the stored upload %s", name, exc_info=True)


def _enqueue_ingest(dataset_id: int) -> None:
    from .tasks import ingest_dataset

    try:
        ingest_dataset.apply_async(args=[dataset_id])
    except Exception:
        logger.exception("Could not enqueue the ingestion of dataset %s", dataset_id)
        dataset_fail(dataset_id=dataset_id, error="The task queue was unreachable; upload the file again.")


# --- Reading ------------------------------------------------------------------------------------


class _FileFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Read:
    """A file's bundle and what it says, fresh from the parser or from an earlier reading."""

    file: DatasetFile
    prefix: str
    detected_format: str
    summary: dict[str, Any]
    fields: list[str]
    canonical: CanonicalData | None = None  # in memory when just parsed


def dataset_ingest(*, dataset_id: int) -> None:
    """Read the dataset's files into canonical bundles (once per content) and mark it ready."""
    if not Dataset.objects.filter(
        pk=dataset_id, status__in=(DatasetStatus.PENDING, DatasetStatus.PROCESSING)
    ).update(status=DatasetStatus.PROCESSING):
        return  # already read (a duplicate message) or failed
    dataset = Dataset.objects.get(pk=dataset_id)
    files = list(dataset.files.all()) or [_legacy_file(dataset)]
    several = len(files) > 1
    try:
        reads = [_file_ingest(file, several=several) for file in files]
        if several:
            detected_format, summary, fields, prefix = _merge(reads)
        else:
            only = reads[0]
            detected_format, summary, fields, prefix = (
                only.detected_format,
                only.summary,
                only.fields,
                only.prefix,
            )
    except _FileFailed as exc:
        dataset_fail(dataset_id=dataset_id, error=exc.message)
        return

    with transaction.atomic():
        updated = Dataset.objects.filter(pk=dataset_id, status=DatasetStatus.PROCESSING).update(
            status=DatasetStatus.READY,
            detected_format=detected_format,
            summary=summary,
            available_fields=fields,
            canonical_prefix=prefix,
            error="",
            ingested_at=timezone.now(),
        )
        if updated:
            dataset.refresh_from_db()
            transaction.on_commit(lambda: _release_waiting_jobs(dataset))


def _legacy_file(dataset: Dataset) -> DatasetFile:
    """A dataset created without file rows (before files existed, or by a fixture): its one file."""
    file = DatasetFile(
        dataset=dataset,
        original_filename=dataset.original_filename,
        size_bytes=dataset.size_bytes,
        content_hash=dataset.content_hash,
    )
    file.source_file.name = dataset.source_file.name
    file.save()
    return file


def _file_ingest(file: DatasetFile, *, several: bool) -> _Read:
    prefix = bundle_prefix(file.content_hash)
    if file.status == DatasetStatus.READY and file.canonical_prefix == prefix and canonical_exists(prefix):
        return _Read(file, prefix, file.detected_format, file.summary, file.summary.get("fields", []))
    twin = (
        DatasetFile.objects.filter(
            content_hash=file.content_hash, canonical_prefix=prefix, status=DatasetStatus.READY
        )
        .exclude(pk=file.pk)
        .first()
    )
    if twin is not None and canonical_exists(prefix) and "fields" in twin.summary:
        read = _Read(file, prefix, twin.detected_format, twin.summary, twin.summary["fields"])
    else:
        read = _parse_file(file, prefix=prefix, several=several)
    DatasetFile.objects.filter(pk=file.pk).update(
        status=DatasetStatus.READY,
        detected_format=read.detected_format,
        summary=read.summary,
        canonical_prefix=prefix,
        error="",
        ingested_at=timezone.now(),
    )
    return read


def _stored_export(file: DatasetFile) -> Path | bytes:
    """The stored upload for the parser: its path when the storage is a local folder (the parser
    reads the file itself, so it is never also held in memory as one `bytes`; see
    `parsers.sources`), else its bytes, at most one past the cap (which the parser reports)."""
    with contextlib.suppress(NotImplementedError):  # storages without local paths (S3)
        return Path(file.source_file.path)
    with file.source_file.open("rb") as fh:
        return fh.read(settings.INTELLI_MAX_UPLOAD_BYTES + 1)


def _parse_file(file: DatasetFile, *, prefix: str, several: bool) -> _Read:
    data = _stored_export(file)
    try:
        result = parse_export(data, filename=file.original_filename)
    except ParseError as exc:
        DatasetFile.objects.filter(pk=file.pk).update(
            status=DatasetStatus.FAILED, error=str(exc), ingested_at=timezone.now()
        )
        message = str(exc)
        if several:
            message += f" Remove this file from the dataset (file {file.pk}) or upload a new export of it."
        raise _FileFailed(message) from exc
    del data
    _save_bundle(result.canonical, prefix)
    fields = sorted(str(f) for f in result.canonical.fields())
    summary = {**result.summary, "fields": fields}
    return _Read(file, prefix, result.summary["format"], summary, fields, result.canonical)


def _save_bundle(canonical: CanonicalData, prefix: str) -> None:
    try:
        canonical_save(canonical, prefix=prefix)
    except Exception:
        _delete_bundle(prefix)  # nothing half-written stays behind
        raise


def _merge(reads: Sequence[_Read]) -> tuple[str, dict[str, Any], list[str], str]:
    """The combined bundle of several files: (format, summary, fields, prefix)."""
    formats = [read.detected_format for read in reads]
    if FILTERS_FORMAT in formats:
        filters = next(read.file for read in reads if read.detected_format == FILTERS_FORMAT)
        raise _FileFailed(
            f"'{filters.original_filename}' is an Espacenet Filters (statistics) export: it holds counts, "
            "not publications, so it cannot be combined with other exports (the same document would be "
            f"counted twice). Remove it from this dataset (file {filters.pk}) and upload it as a dataset of "
            "its own, or use the results list of the same search instead."
        )
    detected_format = formats[0] if len(set(formats)) == 1 else MIXED_FORMAT
    prefix = bundle_prefix(combined_hash([read.file.content_hash for read in reads]))
    if canonical_exists(prefix):
        merged = canonical_load(prefix)
    else:
        parts = [read.canonical or _load_uncached(read.prefix) for read in reads]
        try:
            merged = canonical_merge(parts, source_format=detected_format)
        except IncompatibleExportsError as exc:
            raise _FileFailed(str(exc)) from exc
        _save_bundle(merged, prefix)
    warnings = [
        f"{read.file.original_filename}: {warning}"
        for read in reads
        for warning in read.summary.get("warnings", [])
    ]
    duplicates = merged.meta.get("duplicates_across_exports", 0)
    if duplicates:
        warnings.append(
            f"{duplicates:,} publications appear in more than one export; each is counted once, with the "
            "fullest record (gaps filled from the others)."
        )
    summary = build_summary(merged, detected_format, FORMAT_LABELS[detected_format], warnings)
    return detected_format, summary, sorted(str(f) for f in merged.fields()), prefix


def _load_uncached(prefix: str) -> CanonicalData:
    return canonical_load.__wrapped__(prefix)


def _release_waiting_jobs(dataset: Dataset) -> None:
    from apps.jobs.services import job_enqueue_waiting

    job_enqueue_waiting(dataset=dataset)


def _delete_bundle(prefix: str) -> None:
    try:
        _dirs, files = default_storage.listdir(prefix)
        for name in files:
            default_storage.delete(f"{prefix}/{name}")
    except Exception:
        logger.warning("Could not clean up the partial bundle %s", prefix, exc_info=True)


def dataset_fail(*, dataset_id: int, error: str) -> None:
    with transaction.atomic():
        updated = Dataset.objects.filter(
            pk=dataset_id, status__in=(DatasetStatus.PENDING, DatasetStatus.PROCESSING)
        ).update(status=DatasetStatus.FAILED, error=error, ingested_at=timezone.now())
        if updated:
            dataset = Dataset.objects.get(pk=dataset_id)
            transaction.on_commit(lambda: _fail_waiting_jobs(dataset))


def _fail_waiting_jobs(dataset: Dataset) -> None:
    from apps.jobs.services import job_fail_waiting

    job_fail_waiting(dataset=dataset)


# --- Aliases -------------------------------------------------------------------------------------


def dataset_set_aliases(*, dataset: Dataset, aliases: Mapping[str, Any], replace: bool) -> Dataset:
    """Set the dataset's applicant aliases: all of them (`replace`), or some (a null value removes one).

    Both sides are cleaned like applicant names ("Sangamo Biosciences, Inc." is "SANGAMO
    BIOSCIENCES"), so an alias lands exactly on a name the charts show. A name cannot be aliased to
    itself, nor to a name that is itself aliased (say where it should end up instead).
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(aliases, Mapping):
        raise ApplicationError(
            "Aliases are an object of name: alias.",
            code="validation_error",
            fields={"aliases": ["Not an object."]},
        )
    for key, value in aliases.items():
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_NAME_LENGTH:
            errors.setdefault(str(key)[:MAX_NAME_LENGTH], []).append(
                f"A name is 1 to {MAX_NAME_LENGTH} characters."
            )
        elif value is not None and (
            not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH
        ):
            errors.setdefault(key, []).append(
                f"An alias is 1 to {MAX_NAME_LENGTH} characters (or null to remove it)."
            )
        elif value is None and replace:
            errors.setdefault(key, []).append("Null removes an alias; send the full set without it instead.")
    if errors:
        raise ApplicationError("Some aliases are not valid.", code="validation_error", fields=errors)

    keys = list(aliases)
    cleaned_keys = clean_applicant_list(keys)
    cleaned_values = clean_applicant_list(str(aliases[key] or "") for key in keys)
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        result: dict[str, str] = {} if replace else dict(dataset.applicant_aliases or {})
        for key, clean_key, value, clean_value in zip(
            keys, cleaned_keys, (aliases[k] for k in keys), cleaned_values, strict=True
        ):
            if not clean_key:
                errors.setdefault(key, []).append("Nothing is left of this name once cleaned.")
            elif value is None:
                result.pop(clean_key, None)
            elif not clean_value:
                errors.setdefault(key, []).append("Nothing is left of this alias once cleaned.")
            elif clean_key == clean_value:
                errors.setdefault(key, []).append(f"'{clean_key}' would be its own alias.")
            else:
                result[clean_key] = clean_value
        for clean_key, clean_value in result.items():
            if clean_value in result:
                errors.setdefault(clean_key, []).append(
                    f"'{clean_value}' is itself aliased to '{result[clean_value]}'; alias '{clean_key}' to "
                    f"'{result[clean_value]}' directly."
                )
        if len(result) > MAX_ALIASES:
            errors.setdefault("aliases", []).append(f"A dataset holds at most {MAX_ALIASES:,} aliases.")
        if errors:
            raise ApplicationError("Some aliases are not valid.", code="validation_error", fields=errors)
        dataset.applicant_aliases = dict(sorted(result.items()))
        dataset.save(update_fields=["applicant_aliases"])
        if dataset.status == DatasetStatus.READY and dataset.canonical_prefix:
            _refresh_fields(dataset)
    return dataset


def _refresh_fields(dataset: Dataset) -> None:
    """Aliases never empty a field, but `available_fields` must follow the data jobs read."""
    from .selectors import dataset_canonical

    fields = sorted(str(f) for f in dataset_canonical(dataset).fields())
    if fields != sorted(dataset.available_fields):
        dataset.available_fields = fields
        dataset.save(update_fields=["available_fields"])
