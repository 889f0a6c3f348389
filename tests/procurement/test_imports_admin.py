"""The CSV import pages of the ministry panel: the buttons on the lists, upload, the job page
(progress, preview, errors), Apply with its confirmation, the JSON status, and who may see what.
Tasks run in-process here, as on a fresh machine: a job is checked before its page is first
shown."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.roles import Role
from procurement.models import Distribution, Hospital, ImportJob, ImportKind, ImportStatus, Product
from procurement.services import imports
from tests import factories
from tests.admin_helpers import admin_url, messages_of

pytestmark = pytest.mark.django_db

HOSPITALS = "code,name,city,contact_email\nH1,One,Utrecht,one@h1.nl\nH2,Two,Delft,two@h2.nl\n"


def _upload_url(kind: str) -> str:
    return reverse("admin:procurement_importjob_upload", args=[kind])


def _job_url(job: ImportJob, view: str = "change") -> str:
    return admin_url(ImportJob, view, job.pk)


@pytest.fixture
def post_file(django_capture_on_commit_callbacks):
    """Upload a file as the page does, running the tasks queued after commit in-process."""

    def post(client, kind: str, content: str | bytes, name: str = "file.csv"):
        data = content.encode() if isinstance(content, str) else content
        upload = SimpleUploadedFile(name, data, content_type="text/csv")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(_upload_url(kind), {"file": upload})

    return post


@pytest.fixture
def apply(django_capture_on_commit_callbacks):
    """Press "Yes, apply it", running the write queued after commit in-process (as a request
    does on a fresh machine), then, with follow, open the page it leads to."""

    def post(client, job: ImportJob, *, follow: bool = False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(_job_url(job, "apply"))
        return client.get(response["Location"]) if follow else response

    return post


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def _queued_job(kind=ImportKind.HOSPITALS, text=HOSPITALS, actor=None) -> ImportJob:
    """A job whose dry run has not started (its task is still on its way to a worker)."""
    upload = SimpleUploadedFile("queued.csv", text.encode(), content_type="text/csv")
    return imports.import_job_create(kind=kind, upload=upload, actor=actor or factories.officer())


# ---------------------------------------------------------------------------------------------
# The buttons


@pytest.mark.parametrize("model", [Hospital, Product, Distribution])
def test_officers_find_an_import_button_on_hospitals_products_and_distributions(
    officer_client, model
):
    kind = {Hospital: "hospitals", Product: "products", Distribution: "distribution_plan"}[model]
    response = officer_client.get(admin_url(model))
    assert response.status_code == 200
    assert f'href="{_upload_url(kind)}"' in response.content.decode()
    assert "Import from CSV" in response.content.decode()


def test_clerks_find_the_button_on_distributions_only(clerk_client):
    assert "Import from CSV" in clerk_client.get(admin_url(Distribution)).content.decode()
    assert "Import from CSV" not in clerk_client.get(admin_url(Hospital)).content.decode()
    assert "Import from CSV" not in clerk_client.get(admin_url(Product)).content.decode()


# ---------------------------------------------------------------------------------------------
# Upload, preview, Apply, result


def test_the_upload_page_explains_the_columns_and_limits(officer_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    page = officer_client.get(_upload_url(ImportKind.HOSPITALS)).content.decode()
    assert "Import hospitals from CSV" in page
    assert "<code>contact_email</code>" in page
    assert "<code>region (optional)</code>" in page
    assert "at most 5 MB" in page
    assert 'enctype="multipart/form-data"' in page


def test_an_upload_shows_its_preview_on_the_first_view_when_tasks_run_in_process(
    officer_client, post_file
):
    factories.HospitalFactory(code="H1", name="Old")
    response = post_file(officer_client, ImportKind.HOSPITALS, HOSPITALS)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _job_url(job)
    page = officer_client.get(response["Location"]).content.decode()
    assert job.status == ImportStatus.PREVIEW_READY
    assert "<progress" not in page and 'http-equiv="refresh"' not in page
    assert re.search(
        r"<strong>1 new</strong> hospitals to create,\s*<strong>1 existing</strong>", page
    )
    assert "Apply this import" in page
    assert Hospital.objects.get().name == "Old"  # the preview changed nothing


def test_the_job_page_lists_every_error_by_row_and_column_and_offers_no_apply(
    officer_client, post_file
):
    text = "code,name,city,contact_email\nH1,,Ede,a@b.nl\nH2,Two,Ede,not-an-address\n"
    post_file(officer_client, ImportKind.HOSPITALS, text)
    page = officer_client.get(_job_url(ImportJob.objects.get())).content.decode()
    assert "2 errors" in page
    assert re.search(r"<td class=\"number\">2</td><td>name</td><td>the name is empty\.</td>", page)
    assert re.search(r"<td class=\"number\">3</td><td>contact_email</td><td>“not-an-address”", page)
    assert "Apply this import" not in page


def test_apply_asks_first_then_imports_all_rows_and_shows_the_result(
    officer_client, post_file, apply
):
    post_file(officer_client, ImportKind.HOSPITALS, HOSPITALS)
    job = ImportJob.objects.get()
    confirm = officer_client.get(_job_url(job, "apply")).content.decode()
    assert "This creates 2 hospitals and updates 0." in confirm
    assert not Hospital.objects.exists()
    response = apply(officer_client, job, follow=True)
    page = response.content.decode()
    assert messages_of(response) == [f"Import {job.pk} is being applied: all rows or none."]
    assert "2 hospitals created, 0 updated." in page
    assert sorted(Hospital.objects.values_list("code", flat=True)) == ["H1", "H2"]


def test_applying_twice_is_refused_with_a_message(officer_client, post_file, apply):
    post_file(officer_client, ImportKind.HOSPITALS, HOSPITALS)
    job = ImportJob.objects.get()
    apply(officer_client, job, follow=True)
    response = apply(officer_client, job, follow=True)
    assert messages_of(response) == [
        "This import has been applied already; an import is never applied twice."
    ]
    assert Hospital.objects.count() == 2


def test_a_file_with_errors_is_refused_at_apply_even_when_posted(officer_client, post_file, apply):
    post_file(
        officer_client, ImportKind.HOSPITALS, "code,name,city,contact_email\nH1,,Ede,a@b.nl\n"
    )
    job = ImportJob.objects.get()
    assert officer_client.get(_job_url(job, "apply"))["Location"] == _job_url(job)
    response = apply(officer_client, job, follow=True)
    assert "This file has 1 error" in messages_of(response)[0]
    assert not Hospital.objects.exists()


def test_a_distribution_plan_goes_through_the_planners_rules(
    clerk_client, officer, post_file, apply
):
    factories.released_lot(quantity=50, actor=officer, lot_number="LOT-A")
    factories.HospitalFactory(code="H1")
    factories.HospitalFactory(code="H2")
    post_file(
        clerk_client,
        ImportKind.DISTRIBUTION_PLAN,
        "hospital_code,lot_number,quantity\nH1,LOT-A,30\nH2,LOT-A,30\n",
    )
    job = ImportJob.objects.get()
    page = clerk_client.get(_job_url(job)).content.decode()
    assert "rows 2 and 3 ask for 60 units of lot LOT-A together, but the warehouse holds 50" in page
    assert 'class="import-over"' in page
    assert "Apply this import" not in page
    apply(clerk_client, job)
    assert not Distribution.objects.exists()


def test_a_good_distribution_plan_is_dispatched_and_linked_to_the_distributions(
    clerk_client, officer, post_file, apply
):
    factories.released_lot(quantity=50, actor=officer, lot_number="LOT-A")
    factories.HospitalFactory(code="H1")
    post_file(
        clerk_client,
        ImportKind.DISTRIBUTION_PLAN,
        "hospital_code,lot_number,quantity\nH1,LOT-A,20\n",
    )
    job = ImportJob.objects.get()
    assert "1 dispatch of 20 units" in clerk_client.get(_job_url(job)).content.decode()
    page = apply(clerk_client, job, follow=True).content.decode()
    assert "1 dispatch recorded: 20 units of 1 lot to 1 hospital." in page
    assert f'href="{admin_url(Distribution)}"' in page
    assert Distribution.objects.get().quantity == 20


# ---------------------------------------------------------------------------------------------
# Refused files


def test_a_file_of_the_wrong_type_is_refused_clearly_and_nothing_is_stored(
    officer_client, post_file
):
    response = post_file(officer_client, ImportKind.HOSPITALS, HOSPITALS, name="hospitals.xlsx")
    page = response.content.decode()
    assert response.status_code == 200
    assert "The file was not accepted; nothing was stored." in page
    assert "Only .csv files can be imported, and “hospitals.xlsx” is not one." in page
    assert not ImportJob.objects.exists()


def test_a_file_too_big_is_refused_clearly_and_nothing_is_stored(
    officer_client, settings, post_file
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    response = post_file(officer_client, ImportKind.HOSPITALS, "x" * (3 * 1024 * 1024))
    assert "The file is 3 MB; at most 1 MB can be imported at once." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_wrong_header_is_named_on_the_upload_page(officer_client, post_file):
    response = post_file(officer_client, ImportKind.PRODUCTS, "sku,name\nP1,Mask\n")
    page = response.content.decode()
    assert re.search(
        r"<td class=\"number\">1</td><td>category</td><td>the header has no category", page
    )
    assert not ImportJob.objects.exists()


def test_posting_no_file_asks_for_one(officer_client):
    response = officer_client.post(_upload_url(ImportKind.HOSPITALS), {})
    assert "This field is required." in response.content.decode()
    assert not ImportJob.objects.exists()


# ---------------------------------------------------------------------------------------------
# Progress


def test_a_running_job_shows_a_progress_bar_polled_by_a_served_script(officer_client):
    job = _queued_job()
    page = officer_client.get(_job_url(job)).content.decode()
    assert f'data-import-status-url="{_job_url(job, "status")}"' in page
    assert '<progress max="2">' in page  # no value while queued: an indeterminate bar
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert re.search(r'<script src="/static/procurement/import_progress\.js" defer>', page)
    assert "Waiting for a worker" in page
    assert finders.find("procurement/import_progress.js")
    assert finders.find("procurement/imports.css")


def test_the_status_endpoint_reports_rows_processed_of_the_total(officer_client):
    job = _queued_job()
    status = officer_client.get(_job_url(job, "status"))
    assert status["Content-Type"] == "application/json"
    assert "no-store" in status["Cache-Control"]
    assert status.json() == {
        "id": job.pk,
        "status": "queued",
        "status_label": "Queued",
        "running": True,
        "phase": "queued",
        "processed": 0,
        "total": 2,
        "percent": None,
        "message": "Waiting for a worker to start checking the file.",
    }
    imports.import_job_validate(job_id=job.pk)
    done = officer_client.get(_job_url(job, "status")).json()
    assert (done["running"], done["processed"], done["total"], done["percent"]) == (
        False,
        2,
        2,
        100,
    )


# ---------------------------------------------------------------------------------------------
# Who may


def test_hospital_staff_cannot_reach_the_import_pages(client, hospital_user):
    client.force_login(hospital_user)
    job = _queued_job()
    for url in (_upload_url(ImportKind.HOSPITALS), _job_url(job), _job_url(job, "status")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_hospital_staff_let_into_the_panel_are_still_refused(client, hospital_user, post_file):
    hospital_user.is_staff = True
    hospital_user.save()
    client.force_login(hospital_user)
    job = _queued_job()
    assert (
        post_file(
            client, ImportKind.DISTRIBUTION_PLAN, "hospital_code,lot_number,quantity\n"
        ).status_code
        == 403
    )
    assert client.get(_job_url(job)).status_code == 404
    assert client.get(_job_url(job, "status")).status_code == 404
    assert client.post(_job_url(job, "apply")).status_code == 404
    assert client.get(admin_url(ImportJob)).status_code == 403
    assert not ImportJob.objects.exclude(pk=job.pk).exists()


def test_a_clerk_may_not_upload_hospitals_nor_open_their_jobs(clerk_client, post_file):
    job = _queued_job()
    assert post_file(clerk_client, ImportKind.HOSPITALS, HOSPITALS).status_code == 403
    assert clerk_client.get(_job_url(job)).status_code == 404
    assert clerk_client.post(_job_url(job, "apply")).status_code == 404
    assert ImportJob.objects.count() == 1


def test_an_unknown_kind_of_import_is_not_found(officer_client):
    assert officer_client.get(_upload_url("suppliers")).status_code == 404


def test_the_job_list_shows_the_jobs_each_role_may_see(client, officer, clerk):
    hospitals_job = _queued_job(actor=officer)
    plan_job = _queued_job(
        kind=ImportKind.DISTRIBUTION_PLAN, text="hospital_code,lot_number,quantity\n", actor=clerk
    )
    client.force_login(officer)
    page = client.get(admin_url(ImportJob)).content.decode()
    assert _job_url(hospitals_job) in page and _job_url(plan_job) in page
    client.force_login(clerk)
    page = client.get(admin_url(ImportJob)).content.decode()
    assert _job_url(plan_job) in page and _job_url(hospitals_job) not in page


def test_the_panel_index_lists_import_jobs_for_officers_and_clerks(client, officer, inspector):
    client.force_login(officer)
    assert admin_url(ImportJob) in client.get(reverse("admin:index")).content.decode()
    client.force_login(inspector)
    assert admin_url(ImportJob) not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICER, Role.WAREHOUSE_CLERK])
def test_job_pages_run_a_fixed_number_of_queries(client, role, django_assert_max_num_queries):
    user = factories.UserFactory(username="importer", role=role)
    client.force_login(user)
    job = _queued_job(
        kind=ImportKind.DISTRIBUTION_PLAN, text="hospital_code,lot_number,quantity\n", actor=user
    )
    with django_assert_max_num_queries(12):
        assert client.get(_job_url(job)).status_code == 200
