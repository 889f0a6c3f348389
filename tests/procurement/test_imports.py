"""CSV import jobs (procurement.imports): the upload's checks, the dry run and its per-row errors,
applying all rows or none, once, and who may import what. The admin pages are in
test_imports_admin.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import IllegalTransition, InsufficientStock, NotPermitted
from procurement import services
from procurement.models import (
    Distribution,
    Hospital,
    ImportJob,
    ImportKind,
    ImportStatus,
    Product,
    Standard,
)
from procurement.selectors import imports as import_selectors
from procurement.services import imports
from procurement.services.imports import distributions as plan_import
from procurement.services.imports import jobs
from procurement.services.imports import reference as reference_import
from procurement.services.ledger import balance_of, warehouse_location
from procurement.tasks import import_job_apply_task
from tests import factories

pytestmark = pytest.mark.django_db

HOSPITALS_HEADER = "code,name,city,contact_email"
PLAN_HEADER = "hospital_code,lot_number,quantity"


def _upload(content: str | bytes, name: str = "import.csv") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _csv(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run the tasks it queues after commit (as the eager default does)."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = service(**kwargs)
        return ImportJob.objects.get(pk=result.pk) if isinstance(result, ImportJob) else result

    return call


@pytest.fixture
def checked(run):
    """A job uploaded and checked (its dry run done): kind, CSV text, actor -> the job."""

    def make(kind: str, text: str, actor) -> ImportJob:
        return run(imports.import_job_create, kind=kind, upload=_upload(text), actor=actor)

    return make


def _where(job: ImportJob) -> list[tuple[int | None, str | None]]:
    return [(error["row"], error["column"]) for error in job.errors]


# ---------------------------------------------------------------------------------------------
# The upload


def test_a_file_that_is_not_csv_is_refused_and_nothing_is_stored(officer, settings):
    with pytest.raises(imports.ImportRefused, match=r"Only \.csv files.*“hospitals\.xlsx”"):
        imports.import_job_create(
            kind=ImportKind.HOSPITALS,
            upload=_upload(_csv(HOSPITALS_HEADER), name="hospitals.xlsx"),
            actor=officer,
        )
    assert not ImportJob.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(officer, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    text = _csv(HOSPITALS_HEADER, *[f"H{i},Hospital {i},Utrecht,a@b.nl" for i in range(40_000)])
    with pytest.raises(imports.ImportRefused, match=r"The file is 1\.\d MB; at most 1 MB"):
        imports.import_job_create(kind=ImportKind.HOSPITALS, upload=_upload(text), actor=officer)
    assert not ImportJob.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_a_file_that_is_not_utf8_is_refused_naming_the_row_of_the_first_bad_byte(officer):
    data = _csv(HOSPITALS_HEADER, "H1,One,Utrecht,a@b.nl").encode() + b"H2,Z\xfcrich,Bern,c@d.ch\n"
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_job_create(kind=ImportKind.HOSPITALS, upload=_upload(data), actor=officer)
    (error,) = refused.value.errors
    assert error.row == 3
    assert "not UTF-8 text (byte 0xFC)" in error.message


def test_a_binary_file_named_csv_is_refused(officer):
    with pytest.raises(imports.ImportRefused, match="not text"):
        imports.import_job_create(
            kind=ImportKind.PRODUCTS, upload=_upload(b"PK\x03\x04\x00\x00binary"), actor=officer
        )


def test_an_empty_file_is_refused(officer):
    with pytest.raises(imports.ImportRefused, match="The file is empty"):
        imports.import_job_create(kind=ImportKind.PRODUCTS, upload=_upload(b""), actor=officer)


def test_a_header_of_another_kind_is_refused_at_row_1(officer):
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_job_create(
            kind=ImportKind.HOSPITALS,
            upload=_upload(_csv(PLAN_HEADER, "H1,LOT-A,5")),
            actor=officer,
        )
    (error,) = refused.value.errors
    assert error.row == 1
    assert "the first row must be the header of a hospitals file" in error.message
    assert not ImportJob.objects.exists()


def test_missing_and_unknown_columns_are_named_in_the_header(officer):
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_job_create(
            kind=ImportKind.HOSPITALS, upload=_upload("code,name,town,email\n"), actor=officer
        )
    assert [(e.row, e.column) for e in refused.value.errors] == [(1, "town"), (1, "city")]


def test_utf8_with_a_bom_and_semicolons_is_accepted(officer, checked):
    text = "\ufeffCode;Name;City;Contact email\nH1;One;Utrecht;a@b.nl\n"
    job = checked(ImportKind.HOSPITALS, text, officer)
    assert job.status == ImportStatus.PREVIEW_READY
    assert job.error_count == 0
    assert job.preview["rows"] == 1


def test_the_file_is_kept_under_media_root_under_a_name_of_our_own(officer, settings):
    job = imports.import_job_create(
        kind=ImportKind.HOSPITALS,
        upload=_upload(_csv(HOSPITALS_HEADER, "H1,One,Utrecht,a@b.nl"), name="../../etc/x.csv"),
        actor=officer,
    )
    stored = Path(job.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT))
    assert job.original_name == "x.csv"
    assert stored.name != "x.csv"
    assert job.status == ImportStatus.QUEUED
    assert job.total_rows == 1


@pytest.mark.parametrize("kind", list(ImportKind))
def test_hospital_staff_may_not_import_anything(hospital_user, kind):
    with pytest.raises(NotPermitted):
        imports.import_job_create(kind=kind, upload=_upload(_csv(PLAN_HEADER)), actor=hospital_user)
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("kind", [ImportKind.HOSPITALS, ImportKind.PRODUCTS])
def test_warehouse_clerks_may_not_import_reference_data(clerk, kind):
    with pytest.raises(NotPermitted, match="Only a ministry officer may import"):
        imports.import_job_create(kind=kind, upload=_upload(_csv("code,name")), actor=clerk)


# ---------------------------------------------------------------------------------------------
# The dry run


def test_the_dry_run_writes_nothing_and_says_what_would_be_created_and_updated(officer, checked):
    factories.HospitalFactory(code="H1", name="Old name", region="Noord")
    text = _csv(HOSPITALS_HEADER, "H1,New name,Utrecht,a@b.nl", "H2,Two,Delft,c@d.nl")
    job = checked(ImportKind.HOSPITALS, text, officer)
    assert job.status == ImportStatus.PREVIEW_READY
    assert (job.preview["create"], job.preview["update"]) == (1, 1)
    assert [(r["row"], r["action"]) for r in job.preview["first_rows"]] == [
        (2, "update"),
        (3, "create"),
    ]
    assert job.rows_processed == job.total_rows == 2
    assert list(Hospital.objects.values_list("code", "name")) == [("H1", "Old name")]


def test_every_error_names_its_row_and_column(officer, checked):
    text = _csv(
        HOSPITALS_HEADER + ",language",
        "H1,One,Utrecht,not-an-address,nl",
        "H2,,Delft,b@c.nl,nl",
        "H3,Three,Breda,c@d.nl,Klingon",
        "H1,Again,Zwolle,d@e.nl,en",
        "H5,Five,Ede,e@f.nl,en,stray",
        "H6" + "6" * 30 + ",Six,Ede,f@g.nl,en",
    )
    job = checked(ImportKind.HOSPITALS, text, officer)
    assert _where(job) == [
        (2, "contact_email"),
        (3, "name"),
        (4, "language"),
        (5, "code"),
        (6, "6"),
        (7, "code"),
    ]
    messages = [error["message"] for error in job.errors]
    assert messages[0] == "“not-an-address”: enter a valid email address."
    assert messages[1] == "the name is empty."
    assert messages[2] == "“Klingon” is not a language here; write one of en, nl."
    assert "code H1 is also on row 2" in messages[3]
    assert "at most 20 characters" in messages[5]
    assert job.error_count == 6
    assert not Hospital.objects.exists()


def test_product_rows_are_checked_against_the_categories_and_the_standards(officer, checked):
    factories.StandardFactory(code="EN 149 FFP2", edition="2001+A1:2009")
    text = _csv(
        "sku,name,category,standard",
        "P1,Respirator,Respirator,en 149 ffp2",
        "P2,Mask,medical_mask,EN 149 FFP2 (2001+A1:2009)",
        "P3,Gown,gown,",
        "P4,Thing,spaceship,EN 149 FFP2",
        "P5,Kit,rapid_test,XX 0000",
    )
    job = checked(ImportKind.PRODUCTS, text, officer)
    assert _where(job) == [(5, "category"), (6, "claimed_standard")]
    assert "“spaceship” is not a category here" in job.errors[0]["message"]
    assert "no standard has the code “XX 0000”" in job.errors[1]["message"]
    assert job.preview["create"] == 3
    assert not Product.objects.exists()


def test_more_rows_than_the_setting_allows_are_refused_at_the_first_row_too_many(
    officer, checked, settings
):
    settings.IMPORT_MAX_ROWS = 2
    text = _csv(HOSPITALS_HEADER, *[f"H{i},H {i},Ede,h{i}@x.nl" for i in range(3)])
    job = checked(ImportKind.HOSPITALS, text, officer)
    assert _where(job) == [(4, None)]
    assert "more than 2 rows" in job.errors[0]["message"]


def test_only_the_first_thousand_errors_are_kept_but_all_are_counted(officer, checked):
    text = _csv(HOSPITALS_HEADER, *[f"H{i},,Ede,h{i}@x.nl" for i in range(1_200)])
    job = checked(ImportKind.HOSPITALS, text, officer)
    assert job.error_count == 1_200
    assert len(job.errors) == imports.ERRORS_KEPT


def test_progress_is_reported_per_chunk_and_the_endpoint_sees_it(
    officer, admin_client, monkeypatch, run
):
    """While the dry run reads, each chunk's count is written at once (its own UPDATE) and the
    status endpoint reports rows done of rows in all."""
    monkeypatch.setattr(reference_import, "CHUNK_ROWS", 2)
    job = imports.import_job_create(
        kind=ImportKind.HOSPITALS,
        upload=_upload(_csv(HOSPITALS_HEADER, *[f"H{i},H {i},Ede,h{i}@x.nl" for i in range(5)])),
        actor=officer,
    )
    seen = []
    reporter = jobs._reporter

    def watched(job_id, status):
        report = reporter(job_id, status)

        def watch(rows):
            report(rows)
            url = f"/admin/procurement/importjob/{job_id}/status/"
            status = admin_client.get(url).json()
            seen.append((status["phase"], status["processed"], status["total"]))

        return watch

    monkeypatch.setattr(jobs, "_reporter", watched)
    imports.import_job_validate(job_id=job.pk)
    assert seen == [("checking", 2, 5), ("checking", 4, 5), ("checking", 5, 5)]


# ---------------------------------------------------------------------------------------------
# Applying


def test_applying_creates_and_updates_only_the_columns_of_the_header(officer, checked, run):
    factories.HospitalFactory(code="H1", name="Old", region="Noord", language="en")
    text = _csv(HOSPITALS_HEADER, "H1,New,Utrecht,a@b.nl", "H2,Two,Delft,c@d.nl")
    job = run(
        imports.import_job_confirm, job=checked(ImportKind.HOSPITALS, text, officer), actor=officer
    )
    assert job.status == ImportStatus.DONE
    assert job.result == {"rows": 2, "created": 1, "updated": 1}
    assert job.finished_at is not None
    h1, h2 = Hospital.objects.order_by("code")
    assert (h1.name, h1.city, h1.region, h1.language) == ("New", "Utrecht", "Noord", "en")
    assert (h2.name, h2.region, h2.language) == ("Two", "", "nl")  # the model's defaults


def test_an_empty_cell_in_an_optional_column_of_the_header_clears_it(officer, checked, run):
    factories.HospitalFactory(code="H1", region="Noord", webhook_url="https://h1.example/hook")
    text = _csv(HOSPITALS_HEADER + ",region,webhook_url", "H1,One,Ede,a@b.nl,,")
    run(imports.import_job_confirm, job=checked(ImportKind.HOSPITALS, text, officer), actor=officer)
    assert Hospital.objects.values_list("region", "webhook_url").get() == ("", "")


def test_products_are_imported_with_their_standard(officer, checked, run):
    standard = factories.StandardFactory()
    text = _csv(
        "product_code,name,category,claimed_standard,unit", "P1,Mask,respirator,EN 149 FFP2,box"
    )
    run(imports.import_job_confirm, job=checked(ImportKind.PRODUCTS, text, officer), actor=officer)
    product = Product.objects.get()
    assert (product.sku, product.claimed_standard, product.unit) == ("P1", standard, "box")


def test_a_file_with_errors_cannot_be_applied(officer, checked):
    job = checked(ImportKind.HOSPITALS, _csv(HOSPITALS_HEADER, "H1,,Ede,a@b.nl"), officer)
    with pytest.raises(IllegalTransition, match="This file has 1 error; correct the file"):
        imports.import_job_confirm(job=job, actor=officer)
    assert ImportJob.objects.get().status == ImportStatus.PREVIEW_READY
    assert not Hospital.objects.exists()


def test_a_file_not_yet_checked_cannot_be_applied(officer):
    job = imports.import_job_create(
        kind=ImportKind.HOSPITALS,
        upload=_upload(_csv(HOSPITALS_HEADER, "H1,One,Ede,a@b.nl")),
        actor=officer,
    )
    with pytest.raises(IllegalTransition, match="still being checked"):
        imports.import_job_confirm(job=job, actor=officer)


def test_applying_twice_is_refused_and_a_repeated_task_writes_nothing(officer, checked, run):
    job = checked(ImportKind.HOSPITALS, _csv(HOSPITALS_HEADER, "H1,One,Ede,a@b.nl"), officer)
    job = run(imports.import_job_confirm, job=job, actor=officer)
    with pytest.raises(
        IllegalTransition, match="applied already; an import is never applied twice"
    ):
        imports.import_job_confirm(job=job, actor=officer)
    import_job_apply_task.delay(job.pk)  # delivered again (a worker lost): nothing happens
    assert Hospital.objects.count() == 1
    assert ImportJob.objects.get().events.filter(to_status=ImportStatus.DONE).count() == 1


def test_a_file_that_no_longer_passes_its_checks_fails_and_writes_nothing(officer, checked, run):
    """The standard a product names is deleted between the preview and the Apply."""
    standard = Standard.objects.create(code="TEST KN95", title="KN95", category="respirator")
    text = _csv("sku,name,category,standard", "P1,Mask,respirator,TEST KN95", "P2,Gown,gown,")
    job = checked(ImportKind.PRODUCTS, text, officer)
    standard.delete()
    job = run(imports.import_job_confirm, job=job, actor=officer)
    assert job.status == ImportStatus.FAILED
    assert _where(job) == [(2, "claimed_standard")]
    assert not Product.objects.exists()


def test_a_failure_in_the_middle_of_the_write_rolls_back_every_row(
    officer, checked, run, monkeypatch
):
    monkeypatch.setattr(reference_import, "CHUNK_ROWS", 2)
    text = _csv(HOSPITALS_HEADER, *[f"H{i},H {i},Ede,h{i}@x.nl" for i in range(5)])
    job = checked(ImportKind.HOSPITALS, text, officer)
    calls = []
    real_bulk_create = Hospital.objects.bulk_create

    def failing_second_time(objs, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_bulk_create(objs, **kwargs)

    monkeypatch.setattr(Hospital.objects, "bulk_create", failing_second_time)
    job = run(imports.import_job_confirm, job=job, actor=officer)
    assert calls == [2, 2]
    assert job.status == ImportStatus.FAILED
    assert "unexpected error and nothing was imported" in job.errors[0]["message"]
    assert not Hospital.objects.exists()


def test_every_status_change_is_an_event_with_who_made_it(officer, checked, run):
    job = checked(ImportKind.HOSPITALS, _csv(HOSPITALS_HEADER, "H1,One,Ede,a@b.nl"), officer)
    job = run(imports.import_job_confirm, job=job, actor=officer)
    events = [(e.from_status, e.to_status, e.actor) for e in job.events.all()]
    assert events == [
        ("", ImportStatus.QUEUED, officer),
        (ImportStatus.QUEUED, ImportStatus.VALIDATING, None),
        (ImportStatus.VALIDATING, ImportStatus.PREVIEW_READY, None),
        (ImportStatus.PREVIEW_READY, ImportStatus.IMPORTING, officer),
        (ImportStatus.IMPORTING, ImportStatus.DONE, None),
    ]
    assert job.applied_by == officer


def test_after_apply_the_bar_first_follows_the_check_again(officer, checked):
    job = checked(ImportKind.HOSPITALS, _csv(HOSPITALS_HEADER, "H1,One,Ede,a@b.nl"), officer)
    progress = import_selectors.import_job_progress(
        imports.import_job_confirm(job=job, actor=officer)
    )
    assert (progress["phase"], progress["processed"], progress["total"]) == ("rechecking", 0, 1)
    assert (progress["percent"], progress["running"]) == (0, True)


def test_while_the_one_transaction_write_runs_the_bar_is_indeterminate():
    """Checked again (processed == total) and still importing: the write is under way, and no
    other connection can count its rows."""
    writing = ImportJob(status=ImportStatus.IMPORTING, total_rows=5, rows_processed=5)
    progress = import_selectors.import_job_progress(writing)
    assert (progress["phase"], progress["percent"], progress["running"]) == ("writing", None, True)
    assert "Writing 5 rows in one transaction: all of them or none" in progress["message"]


# ---------------------------------------------------------------------------------------------
# Distribution plans: the planner's rules


@pytest.fixture
def lot(officer):
    return factories.released_lot(quantity=100, actor=officer, lot_number="LOT-A")


@pytest.fixture
def hospitals(db):
    return [factories.HospitalFactory(code=f"H{i}") for i in range(1, 4)]


def test_a_plan_job_dispatches_every_row_through_the_planner(clerk, lot, hospitals, checked, run):
    text = _csv(PLAN_HEADER, "H1,LOT-A,10", "H2,LOT-A,20", "H3,LOT-A,30")
    job = checked(ImportKind.DISTRIBUTION_PLAN, text, clerk)
    assert job.preview["units"] == 60
    assert job.preview["lots"][0] == {
        "lot": "LOT-A",
        "product": str(lot.order_line.product),
        "requested": 60,
        "available": 100,
        "remaining": 40,
    }
    assert not Distribution.objects.exists()  # the dry run dispatched nothing
    job = run(imports.import_job_confirm, job=job, actor=clerk)
    assert job.status == ImportStatus.DONE
    assert job.result == {"rows": 3, "distributions": 3, "units": 60, "lots": 1, "hospitals": 3}
    assert sorted(Distribution.objects.values_list("hospital__code", "quantity")) == [
        ("H1", 10),
        ("H2", 20),
        ("H3", 30),
    ]
    assert set(Distribution.objects.values_list("dispatched_by", "note")) == {
        (clerk.pk, f"CSV import {job.pk} (import.csv)")
    }
    assert balance_of(lot, warehouse_location()) == 40


def test_an_over_allocated_plan_is_named_in_the_preview_and_cannot_be_applied(
    clerk, lot, hospitals, checked
):
    job = checked(
        ImportKind.DISTRIBUTION_PLAN, _csv(PLAN_HEADER, "H1,LOT-A,60", "H2,LOT-A,50"), clerk
    )
    assert _where(job) == [(2, "quantity")]
    assert "rows 2 and 3 ask for 110 units of lot LOT-A together" in job.errors[0]["message"]
    with pytest.raises(IllegalTransition):
        imports.import_job_confirm(job=job, actor=clerk)
    assert not Distribution.objects.exists()


def test_plan_rows_naming_unknown_hospitals_or_lots_are_named(clerk, lot, hospitals, checked):
    text = _csv(PLAN_HEADER, "H9,LOT-A,5", "H1,LOT-Z,5", "H2,LOT-A,five")
    job = checked(ImportKind.DISTRIBUTION_PLAN, text, clerk)
    assert _where(job) == [(2, "hospital_code"), (3, "lot_number"), (4, "quantity")]


def test_stock_taken_after_the_preview_fails_the_plan_and_dispatches_nothing(
    officer, clerk, lot, hospitals, checked, run
):
    job = checked(
        ImportKind.DISTRIBUTION_PLAN, _csv(PLAN_HEADER, "H1,LOT-A,50", "H2,LOT-A,40"), clerk
    )
    services.distribution_dispatch(lot=lot, hospital=hospitals[2], quantity=30, actor=officer)
    job = run(imports.import_job_confirm, job=job, actor=clerk)
    assert job.status == ImportStatus.FAILED
    assert (
        "ask for 90 units of lot LOT-A together, but the warehouse holds 70"
        in (job.errors[0]["message"])
    )
    assert list(Distribution.objects.values_list("hospital__code", flat=True)) == ["H3"]
    assert balance_of(lot, warehouse_location()) == 70


def test_a_lot_put_on_hold_after_the_preview_refuses_the_whole_plan(
    officer, clerk, lot, hospitals, checked, run
):
    other = factories.released_lot(quantity=100, actor=officer, lot_number="LOT-B")
    text = _csv(PLAN_HEADER, "H1,LOT-B,5", "H2,LOT-A,5")
    job = checked(ImportKind.DISTRIBUTION_PLAN, text, clerk)
    services.lot_hold(lot=lot, actor=officer, reason="Complaint from a hospital")
    job = run(imports.import_job_confirm, job=job, actor=clerk)
    assert job.status == ImportStatus.FAILED
    assert _where(job) == [(3, "lot_number")]
    assert not Distribution.objects.exists()
    assert balance_of(other, warehouse_location()) == 100


def test_a_plan_written_in_several_chunks_is_still_all_or_nothing(
    officer, clerk, hospitals, checked, run, monkeypatch
):
    """The dispatch runs DISPATCH_CHUNK allocations at a time inside one transaction: a refusal
    of the last chunk takes back the chunks dispatched before it."""
    factories.released_lot(quantity=100, actor=officer, lot_number="LOT-A")
    factories.released_lot(quantity=100, actor=officer, lot_number="LOT-B")
    monkeypatch.setattr(plan_import, "DISPATCH_CHUNK", 2)
    text = _csv(PLAN_HEADER, "H1,LOT-A,1", "H2,LOT-A,2", "H3,LOT-A,3", "H1,LOT-B,4", "H2,LOT-B,5")
    job = checked(ImportKind.DISTRIBUTION_PLAN, text, clerk)
    real_dispatch = plan_import.distribution_plan_dispatch
    chunks = []

    def refusing_the_third(*, allocations, actor, note):
        chunks.append([(a.hospital.code, a.lot.lot_number) for a in allocations])
        if len(chunks) == 3:
            raise InsufficientStock("Lot LOT-B: the warehouse holds less than planned.")
        return real_dispatch(allocations=allocations, actor=actor, note=note)

    monkeypatch.setattr(plan_import, "distribution_plan_dispatch", refusing_the_third)
    job = run(imports.import_job_confirm, job=job, actor=clerk)
    assert chunks == [
        [("H1", "LOT-A"), ("H2", "LOT-A")],
        [("H3", "LOT-A"), ("H1", "LOT-B")],
        [("H2", "LOT-B")],
    ]
    assert job.status == ImportStatus.FAILED
    assert job.errors == [
        {
            "row": None,
            "column": None,
            "message": "Lot LOT-B: the warehouse holds less than planned.",
        }
    ]
    assert not Distribution.objects.exists()


def test_a_plan_may_be_imported_by_an_officer_but_not_by_an_inspector(
    officer, inspector, lot, hospitals, checked
):
    assert checked(
        ImportKind.DISTRIBUTION_PLAN, _csv(PLAN_HEADER, "H1,LOT-A,5"), officer
    ).status == (ImportStatus.PREVIEW_READY)
    with pytest.raises(NotPermitted, match="warehouse clerk or a ministry officer"):
        imports.import_job_create(
            kind=ImportKind.DISTRIBUTION_PLAN, upload=_upload(_csv(PLAN_HEADER)), actor=inspector
        )


def test_a_clerk_who_lost_the_role_before_the_write_imports_nothing(
    clerk, lot, hospitals, checked, run
):
    job = checked(ImportKind.DISTRIBUTION_PLAN, _csv(PLAN_HEADER, "H1,LOT-A,5"), clerk)
    job = imports.import_job_confirm(job=job, actor=clerk)
    clerk.groups.clear()
    job = run(imports.import_job_apply, job_id=job.pk)
    assert job.status == ImportStatus.FAILED
    assert "Only a warehouse clerk or a ministry officer may" in job.errors[0]["message"]
    assert not Distribution.objects.exists()


# ---------------------------------------------------------------------------------------------
# Who sees which jobs, and the sweeper


def test_clerks_see_plan_jobs_and_officers_see_all(officer, clerk, hospital_user, lot, hospitals):
    plan = imports.import_job_create(
        kind=ImportKind.DISTRIBUTION_PLAN,
        upload=_upload(_csv(PLAN_HEADER, "H1,LOT-A,5")),
        actor=clerk,
    )
    hospitals_job = imports.import_job_create(
        kind=ImportKind.HOSPITALS,
        upload=_upload(_csv(HOSPITALS_HEADER, "H1,A,B,a@b.nl")),
        actor=officer,
    )
    assert set(import_selectors.import_jobs_for_user(officer)) == {plan, hospitals_job}
    assert list(import_selectors.import_jobs_for_user(clerk)) == [plan]
    assert not import_selectors.import_jobs_for_user(hospital_user).exists()


def test_the_sweeper_queues_again_only_jobs_whose_worker_went_silent(officer, run, settings):
    settings.IMPORT_STALLED_AFTER_SECONDS = 600
    text = _csv(HOSPITALS_HEADER, "H1,One,Ede,a@b.nl")
    stalled = imports.import_job_create(
        kind=ImportKind.HOSPITALS, upload=_upload(text), actor=officer
    )
    recent = imports.import_job_create(
        kind=ImportKind.HOSPITALS, upload=_upload(text), actor=officer
    )
    long_ago = timezone.now() - dt.timedelta(seconds=601)
    ImportJob.objects.filter(pk=stalled.pk).update(progress_at=long_ago)  # its task was lost
    assert run(imports.import_jobs_sweep) == 1
    assert ImportJob.objects.get(pk=stalled.pk).status == ImportStatus.PREVIEW_READY
    assert ImportJob.objects.get(pk=recent.pk).status == ImportStatus.QUEUED
    assert run(imports.import_jobs_sweep) == 0


def test_a_dry_run_delivered_twice_is_harmless(officer, run):
    text = _csv(HOSPITALS_HEADER, "H1,One,Ede,a@b.nl")
    job = run(
        imports.import_job_create, kind=ImportKind.HOSPITALS, upload=_upload(text), actor=officer
    )
    again = imports.import_job_validate(job_id=job.pk)
    assert again.status == ImportStatus.PREVIEW_READY
    assert job.events.count() == again.events.count() == 3
