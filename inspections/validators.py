"""Upload checks shared by inspection reports and certificates."""

from django.core.exceptions import ValidationError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def validate_report_file_size(upload) -> None:
    """Refuse files over 10 MB: a lab report or certificate scan is far smaller."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is {upload.size / 1_048_576:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1_048_576} MB."
        )
