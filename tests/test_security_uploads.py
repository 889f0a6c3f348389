"""Uploaded files (lab reports, complaint photos, CSV imports): checked for type and size, kept
under MEDIA_ROOT outside the static root, never served by URL, streamed only to those allowed.

The type and size refusals of photos and CSV files, and another hospital's 404 for a photo, have
their own tests next to the code (tests/inspections/portal, tests/procurement/test_imports*);
the permission matrix walks every URL for every role. These are the rest."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.roles import Role
from inspections import services as quality
from inspections.models import ComplaintCategory, Inspection
from procurement import services as procurement
from tests import factories
from tests.inspections import conftest as quality_fixtures
from tests.inspections.conftest import good, record
from tests.test_settings import _run

pytestmark = pytest.mark.django_db

# The quality side's fixtures (a lot to inspect under the test standard), used here by name.
make_lot = quality_fixtures.make_lot
respirator_standard = quality_fixtures.respirator_standard


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile("ward.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def complaint_with_photo(officer):
    hospital = factories.HospitalFactory()
    nurse = factories.UserFactory(username="nurse", role=Role.HOSPITAL_STAFF)
    factories.HospitalMembershipFactory(user=nurse, hospital=hospital)
    lot = factories.released_lot(quantity=100, actor=officer)
    delivery = procurement.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=10, actor=officer
    )
    complaint = quality.complaint_report(
        distribution=delivery,
        category=ComplaintCategory.FIT,
        description="The masks do not close.",
        quantity_affected=2,
        actor=nurse,
        photo=_png(),
    )
    return complaint, nurse


def test_media_files_have_no_public_url(client, officer, complaint_with_photo, settings):
    complaint, _nurse = complaint_with_photo
    client.force_login(officer)

    response = client.get(settings.MEDIA_URL + complaint.photo.name)

    assert response.status_code == 404


def test_a_photo_is_sent_as_an_image_that_can_run_nothing(client, complaint_with_photo):
    complaint, nurse = complaint_with_photo
    client.force_login(nurse)

    response = client.get(reverse("hospital_complaint_photo", args=[complaint.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_a_photo_is_refused_to_a_stranger_who_is_sent_to_sign_in(client, complaint_with_photo):
    complaint, _nurse = complaint_with_photo

    response = client.get(reverse("hospital_complaint_photo", args=[complaint.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_lab_report_over_the_size_limit_is_refused_and_nothing_is_stored(
    client, inspector, make_lot, settings, monkeypatch
):
    from inspections import validators

    monkeypatch.setattr(validators, "MAX_UPLOAD_BYTES", 1024)
    client.force_login(inspector)
    lot = make_lot()
    big = SimpleUploadedFile("lab.pdf", b"%PDF-1.4" + b"0" * 2048, content_type="application/pdf")
    data = {
        "stage": "first",
        "laboratory": "RIVM test lab",
        "performed_by": "A. Jansen",
        "performed_on": "2020-03-30",
        "notes": "",
        **{f"values_{code}": "\n".join(values) for code, values in good(80).items()},
        "report_file": big,
    }

    response = client.post(reverse("inspections:record", args=[lot.pk]), data)

    assert response.status_code == 200
    assert "report_file" in response.context["form"].errors
    assert not Inspection.objects.exists()
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.pdf")))


def test_a_lab_report_is_a_download_for_an_inspector_and_not_for_hospital_staff(
    client, inspector, make_lot, hospital_user
):
    report = SimpleUploadedFile("lab.pdf", b"%PDF-1.4 ok", content_type="application/pdf")
    inspection = record(make_lot(), inspector, measurements=good(80), report_file=report)
    url = reverse("admin:inspections_inspection_report", args=[inspection.pk])

    client.force_login(inspector)
    download = client.get(url)
    client.force_login(hospital_user)
    refused = client.get(url)

    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 ok"
    assert refused.status_code == 302 and refused["Location"].startswith("/admin/login/")


def test_uploads_live_outside_the_static_root_by_default():
    code = (
        "import django, json\ndjango.setup()\nfrom django.conf import settings as s\n"
        "print(json.dumps([str(s.MEDIA_ROOT), str(s.STATIC_ROOT)]))\n"
    )
    result = _run(code, DEBUG="true")
    assert result.returncode == 0, result.stderr
    media, static = result.stdout.strip().splitlines()[-1].strip('[]"').split('", "')

    assert not media.startswith(static) and not static.startswith(media)
