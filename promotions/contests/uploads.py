"""What a contest upload really is, from its first bytes, never from what the browser says:
a photo (JPEG, PNG, WebP, HEIC) or a video (MP4, QuickTime, WebM). The file is stored
under a name of ours with the extension of what it is, so nothing an entrant names (an
``.html``, an ``.svg``) is ever stored as such."""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import UploadedFile

# Each type: its extension and whether it is a photo (else a video).
TYPES = {
    "image/jpeg": (".jpg", True),
    "image/png": (".png", True),
    "image/webp": (".webp", True),
    "image/heic": (".heic", True),
    "video/mp4": (".mp4", False),
    "video/quicktime": (".mov", False),
    "video/webm": (".webm", False),
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def upload_type(upload: UploadedFile) -> str:
    """The upload's type by its content ('' when it is none of TYPES)."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "image/heic"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    return ""


def upload_name(content_type: str) -> str:
    """A stored name of ours for an upload of ``content_type`` (one of TYPES)."""
    return uuid.uuid4().hex + TYPES[content_type][0]
