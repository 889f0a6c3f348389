"""Upload checks: inspection reports and certificates, and photos sent with complaints."""

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def validate_report_file_size(upload) -> None:
    """Refuse files over 10 MB: a lab report or certificate scan is far smaller."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % _sizes(upload, MAX_UPLOAD_BYTES)
        )


def _sizes(upload, limit: int) -> dict[str, str]:
    """An upload's size and the limit in MB, written the reader's way ("10,5" in Dutch)."""
    return {
        # Rounded first: number_format only cuts the decimals off (10.96 would read "10.9").
        "size": number_format(round(upload.size / 1_048_576, 1), decimal_pos=1),
        "limit": number_format(limit // 1_048_576),
    }


MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def validate_photo(upload) -> None:
    """A complaint photo: a real JPEG, PNG or WebP image (read by Pillow, not judged by its name)
    of at most 8 MB, enough for a phone camera's picture."""
    photo_extension(upload)


def photo_extension(upload) -> str:
    """The file extension of what the upload really is ("jpg", "png" or "webp"); raises
    ValidationError for anything else or anything over the size limit."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("The photo is %(size)s MB; the limit is %(limit)s MB.")
            % _sizes(upload, MAX_PHOTO_BYTES)
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            _("The photo could not be read as an image. Use a JPEG, PNG or WebP picture.")
        ) from error
    finally:
        upload.seek(position)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(
            _("A %(format)s image is not accepted. Use a JPEG, PNG or WebP picture.")
            % {"format": image_format}
        )
    return PHOTO_FORMATS[image_format]
