"""Private file storage for winners' documents: files have no public address at all."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, InMemoryStorage


class _NoUrl:
    def url(self, name: str | None) -> str:
        raise ValueError("Claim documents are private: they have no public address.")


class PrivateFileSystemStorage(_NoUrl, FileSystemStorage):
    """On disk outside MEDIA_ROOT; the admin streams a file to the brand's staff."""


class PrivateInMemoryStorage(_NoUrl, InMemoryStorage):
    """The same for tests."""
