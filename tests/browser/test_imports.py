"""CSV imports in the ministry panel, in a real browser: an officer imports hospitals from the
list's "Import from CSV" button through the preview and the Apply confirmation; the job page's
progress bar follows a running dry run (polling its JSON status) and turns into the preview by
itself; without JavaScript the page refreshes itself to the same end."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from core.roles import Role
from procurement.models import Hospital, ImportJob, ImportKind, ImportStatus
from procurement.services import imports
from procurement.services.imports import jobs
from procurement.services.imports import reference as reference_import
from tests.admin_helpers import admin_url
from tests.browser.conftest import sign_in
from tests.factories import HospitalFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # what UserFactory sets
HOSPITALS = (
    "code,name,city,contact_email,language\n"
    "UMCU,UMC Utrecht,Utrecht,apotheek@umcu.example,nl\n"
    "ERASMUS,Erasmus MC,Rotterdam,apotheek@erasmus.example,English\n"
)
FIVE_ROWS = "code,name,city,contact_email\n" + "".join(
    f"H{i},Hospital {i},Ede,h{i}@hospital.example\n" for i in range(1, 6)
)


@pytest.fixture
def officer():
    return UserFactory(username="officer", role=Role.MINISTRY_OFFICER)


@pytest.fixture
def queued_job(officer, monkeypatch):
    """A job whose dry run has not started: its task is still on its way to a worker."""
    with monkeypatch.context() as patched:
        patched.setattr(jobs, "_queue", lambda task_name, job_id: None)
        upload = SimpleUploadedFile("five.csv", FIVE_ROWS.encode(), content_type="text/csv")
        return imports.import_job_create(kind=ImportKind.HOSPITALS, upload=upload, actor=officer)


def test_an_officer_imports_hospitals_through_the_preview_and_apply(
    page, live_server, officer, tmp_path
):
    HospitalFactory(code="UMCU", name="Old name", city="Utrecht")
    csv_file = tmp_path / "hospitals.csv"
    csv_file.write_text(HOSPITALS, encoding="utf-8")
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(live_server.url + admin_url(Hospital))
    page.get_by_role("link", name="Import from CSV").click()
    expect(page.get_by_role("heading", name="Import hospitals from CSV")).to_be_visible()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and check").click()

    # Tasks run in-process here: the dry run is done before the job page is first shown.
    expect(
        page.get_by_text("1 new hospitals to create, 1 existing hospitals to update")
    ).to_be_visible()
    expect(page.locator("progress")).to_have_count(0)
    assert Hospital.objects.get().name == "Old name"
    page.get_by_role("link", name="Apply this import…").click()
    expect(page.get_by_text("This creates 1 hospitals and updates 1.")).to_be_visible()
    page.get_by_role("button", name="Yes, apply it").click()

    expect(page.get_by_text("1 hospitals created, 1 updated.")).to_be_visible()
    expect(page.locator(".import-status")).to_have_text("Done")
    assert dict(Hospital.objects.values_list("code", "language")) == {"UMCU": "nl", "ERASMUS": "en"}
    assert Hospital.objects.get(code="UMCU").name == "UMC Utrecht"


def test_the_progress_bar_follows_the_dry_run_and_turns_into_the_preview(
    page, live_server, queued_job, monkeypatch
):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(live_server.url + admin_url(ImportJob, "change", queued_job.pk))
    bar = page.locator("progress")
    expect(page.get_by_text("Waiting for a worker to start checking the file.")).to_be_visible()
    assert bar.get_attribute("value") is None  # indeterminate until the rows are counted

    # The dry run reads two rows per chunk; after each report, the page (polling every second)
    # must show it before the run goes on.
    monkeypatch.setattr(reference_import, "CHUNK_ROWS", 2)
    seen = []
    real_reporter = jobs._reporter

    def watched(job_id, status):
        report = real_reporter(job_id, status)

        def report_and_look(rows):
            report(rows)
            expect(page.get_by_text(f"Checked {rows} of 5 rows.")).to_be_visible()
            expect(bar).to_have_attribute("value", str(rows))
            seen.append(rows)

        return report_and_look

    monkeypatch.setattr(jobs, "_reporter", watched)
    imports.import_job_validate(job_id=queued_job.pk)

    assert seen == [2, 4, 5]
    # Checked: the script reloads the page, which now shows the preview.
    expect(page.get_by_role("link", name="Apply this import…")).to_be_visible()
    expect(page.get_by_text("5 new hospitals to create")).to_be_visible()
    expect(bar).to_have_count(0)


def test_without_javascript_the_job_page_refreshes_itself_until_the_preview(
    no_js_page, live_server, queued_job
):
    sign_in(no_js_page, live_server, "officer", PASSWORD)
    no_js_page.goto(live_server.url + admin_url(ImportJob, "change", queued_job.pk))
    expect(no_js_page.locator("progress")).to_be_visible()
    imports.import_job_validate(job_id=queued_job.pk)
    assert ImportJob.objects.get().status == ImportStatus.PREVIEW_READY
    expect(no_js_page.get_by_role("link", name="Apply this import…")).to_be_visible()
