"""Checks of the supply side's reference data that more than one entry point needs."""

from __future__ import annotations

from biip import ParseError
from biip.gtin import Gtin
from django.core.exceptions import ValidationError

GTIN_LENGTH = 14


def normalize_gtin(value: str) -> str:
    """A GTIN as the tracker stores it: the 14 digits a GS1 barcode carries after (01), zeros in
    front of a GTIN-8, -12 or -13. Raises ValidationError for anything that is not a GTIN with
    the right check digit."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) not in (8, 12, 13, 14):
        raise ValidationError(
            "A GTIN has 8, 12, 13 or 14 digits (the number under the product's barcode).",
            code="gtin_format",
        )
    try:
        return Gtin.parse(text).as_gtin_14()
    except ParseError as error:
        raise ValidationError(
            f"{text} is not a valid GTIN: its check digit does not match.", code="gtin_check_digit"
        ) from error


def validate_gtin(value: str) -> None:
    """Model validator: a stored GTIN is 14 digits with a valid check digit."""
    if value and normalize_gtin(value) != value:
        raise ValidationError(
            f"Store the GTIN as its {GTIN_LENGTH} digits: {normalize_gtin(value)}.",
            code="gtin_not_normalized",
        )
