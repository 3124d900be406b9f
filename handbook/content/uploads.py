"""Checking uploaded files by their content and storing them outside static/ under generated names."""
from __future__ import annotations

import io
import logging
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass

from flask import current_app

log = logging.getLogger(__name__)

KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
    "webp": ("image/webp", ".webp"),
}
IMAGE_KINDS = ("png", "jpeg", "webp")
DOCUMENT_KINDS = ("pdf", "docx", *IMAGE_KINDS)


# A file's shown name is cut to this many characters, its extension kept.
FILENAME_MAX = 150
_ENCODED_CONTROL = re.compile(r"%(?:[01][0-9a-fA-F]|7[fF])")


def clean_filename(filename: str | None) -> str:
    """The name a file is listed and downloaded under: its last path part in NFC, without control or
    invisible format characters (NUL, bidi overrides), even percent-encoded ones (``a%00b.pdf``),
    at most FILENAME_MAX characters with the extension kept; "tep" when nothing is left."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/")).rsplit("/", 1)[-1]
    name = _ENCODED_CONTROL.sub("", name)
    # Category C: control, format (U+202E turns "fdp.exe" around), surrogate, private, unassigned.
    name = "".join(" " if ch.isspace() else ch for ch in name if unicodedata.category(ch)[0] != "C" or ch.isspace())
    name = " ".join(name.split()).strip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10 or not ext.isalnum():
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    stem = stem[: FILENAME_MAX - len(suffix)].rstrip(". ") or "tep"
    return stem + suffix


class UploadError(ValueError):
    """An upload that is refused; the message is for the person who sent it (Vietnamese)."""


@dataclass
class StoredFile:
    """A file saved to the upload folder."""

    original_name: str
    stored_name: str
    kind: str
    mime: str
    size: int


def sniff(data: bytes) -> str | None:
    """The kind of file ``data`` is by its content (magic bytes and structure), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "docx"
    return None


def _image_is_sound(data: bytes) -> bool:
    """Does Pillow read ``data`` as a whole image?"""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        return True
    except Exception:  # noqa: BLE001 - any decoding failure means "not an image"
        return False


def upload_folder() -> str:
    """Where uploads live: UPLOAD_FOLDER, else instance/uploads (never under static/)."""
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    os.makedirs(folder, exist_ok=True)
    return folder


def stored_path(stored_name: str) -> str:
    """The path of a stored file; generated names have no directory parts."""
    if os.path.basename(stored_name) != stored_name or stored_name.startswith("."):
        raise ValueError("bad stored name")
    return os.path.join(upload_folder(), stored_name)


def check_upload(data: bytes, filename: str, allowed=DOCUMENT_KINDS) -> str:
    """Return the kind of an uploaded file, or raise UploadError saying why it is refused."""
    # Over HTTP a larger request is already refused with 413; this guards other callers.
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 20 * 1024 * 1024
    if len(data) > limit:
        raise UploadError(f"Tệp “{filename}” vượt quá giới hạn {limit // (1024 * 1024)} MB.")
    if not data:
        raise UploadError(f"Tệp “{filename}” rỗng.")
    kind = sniff(data)
    if kind not in allowed or (kind in IMAGE_KINDS and not _image_is_sound(data)):
        names = ", ".join(k.upper() for k in allowed)
        raise UploadError(f"Tệp “{filename}” không đúng định dạng cho phép ({names}): nội dung tệp không khớp.")
    return kind


def store_upload(file_storage, allowed=DOCUMENT_KINDS) -> StoredFile:
    """Check an uploaded file by content and save it under a generated name (its text is extracted later)."""
    original = clean_filename(file_storage.filename)
    data = file_storage.read()
    kind = check_upload(data, original, allowed)
    mime, ext = KINDS[kind]
    stored_name = secrets.token_hex(16) + ext
    with open(stored_path(stored_name), "xb") as out:
        out.write(data)
    return StoredFile(
        original_name=original, stored_name=stored_name, kind=kind, mime=mime, size=len(data),
    )


def remove_stored(stored_name: str) -> None:
    """Delete a stored file if it is there."""
    try:
        os.remove(stored_path(stored_name))
    except (FileNotFoundError, ValueError):
        pass
