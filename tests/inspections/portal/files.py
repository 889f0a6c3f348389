"""Uploads for the complaint photo tests: a real tiny PNG, a text file in disguise, a huge file;
and what ended up in storage."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "straps.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def text_as_jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "photo.jpg", b"this is not a picture, only text\n" * 10, content_type="image/jpeg"
    )


def oversized_upload() -> SimpleUploadedFile:
    """9 MB: over the 8 MB a photo may have (its content is not looked at past the size)."""
    return SimpleUploadedFile("huge.jpg", b"\xff" * (9 * 1024 * 1024), content_type="image/jpeg")


def media_files(settings) -> list:
    """Every file stored under MEDIA_ROOT (tests point it at a temporary directory)."""
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
