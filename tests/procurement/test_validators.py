import pytest
from django.core.exceptions import ValidationError

from procurement.validators import normalize_gtin, validate_gtin


@pytest.mark.parametrize(
    ("printed", "stored"),
    [
        ("4006381333931", "04006381333931"),  # GTIN-13
        ("04006381333931", "04006381333931"),  # GTIN-14
        ("96385074", "00000096385074"),  # GTIN-8
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        (" 4006381333931 ", "04006381333931"),
    ],
)
def test_a_gtin_is_kept_as_its_fourteen_digits(printed, stored):
    assert normalize_gtin(printed) == stored


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("4006381333932", "gtin_check_digit"),
        ("400638133393", "gtin_check_digit"),
        ("40063813339", "gtin_format"),
        ("4006381333931X", "gtin_format"),
        (
            "\uff14\uff10\uff10\uff16\uff13\uff18\uff11\uff13\uff13\uff13\uff19\uff13\uff11",
            "gtin_format",
        ),  # full-width digits
        ("", "gtin_format"),
    ],
)
def test_anything_else_is_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as refused:
        normalize_gtin(value)
    assert refused.value.code == code


def test_the_model_validator_wants_the_stored_form():
    validate_gtin("04006381333931")
    validate_gtin("")
    with pytest.raises(ValidationError):
        validate_gtin("4006381333931")
