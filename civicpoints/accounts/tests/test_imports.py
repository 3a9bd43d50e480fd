"""Bulk import of residents and households: dry run, batches, re-import, refusals."""

import io

import pytest
from openpyxl import Workbook

from civicpoints.accounts.models import Household, ImportChunk, ImportJob, Role, User
from civicpoints.accounts.services import (
    import_job_create,
    import_job_step,
    import_plan,
    template_rows,
)
from civicpoints.accounts.services import imports as imports_module
from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope

pytestmark = pytest.mark.django_db

HEADER = "手机号,昵称,姓名,社区,网格,户,户主\n"


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")


def _xlsx(rows) -> bytes:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _run(actor, job):
    while job.status != ImportJob.Status.DONE:
        job = import_job_step(actor=actor, job_id=job.pk)
    return job


def test_dry_run_says_per_row_what_happens_and_why(town):
    # given
    data = _csv(
        "13600000001,张阿姨,张秀英,融城社区,第1网格,1栋101,是",
        f"{town.bob.mobile},,鲍勃,巴桥社区,,,",  # existing resident: real name changes
        "12345,坏号码,,融城社区,,,",
        "13600000002,无社区,,火星社区,,,",
        "13600000001,重复,,融城社区,,,",
        f"{town.carol.mobile},外镇,,融城社区,,,",
        f"{town.staff_a.mobile},社工,,融城社区,,,",
        "13600000003,无网格,,巴桥社区,第1网格,,",
    )
    # when
    job = import_job_create(actor=town.admin, data=data, filename="居民.csv")
    plans = import_plan(actor=town.admin, job=job)
    # then
    assert [(p.line, p.action, p.reason) for p in plans] == [
        (2, "create", ""),
        (3, "update", ""),
        (4, "refuse", "bad_mobile"),
        (5, "refuse", "unknown_community"),
        (6, "refuse", "duplicate_in_file"),
        (7, "refuse", "mobile_taken"),
        (8, "refuse", "mobile_taken"),
        (9, "refuse", "unknown_grid"),
    ]
    assert plans[1].changes == ["real_name"]
    assert job.counts == {"create": 1, "update": 1, "unchanged": 0, "refuse": 6}
    assert not User.objects.filter(mobile="13600000001").exists()  # a dry run writes nothing


def test_import_creates_residents_households_heads_and_balance_rows(town):
    # given
    data = _xlsx(
        [
            ["手机号", "昵称", "姓名", "社区", "网格", "户", "户主"],
            [13600000001, "张阿姨", "张秀英", "融城社区", "第1网格", "1栋101", "是"],
            ["136 0000 0002", None, "李明", "融城社区", None, "1栋101", None],
        ]
    )
    job = import_job_create(actor=town.admin, data=data, filename="居民.xlsx")
    # when
    job = _run(town.admin, job)
    # then
    zhang = User.objects.get(mobile="13600000001")
    li = User.objects.get(mobile="13600000002")
    home = Household.objects.get(community=town.a, name="1栋101")
    assert (zhang.role, zhang.town, zhang.grid, zhang.household) == (
        Role.RESIDENT,
        town.town,
        town.grid_a,
        home,
    )
    assert li.nickname == "李明" and li.household == home and not li.has_usable_password()
    assert home.head == zhang
    assert zhang.point_account.balance == 0
    assert job.counts["imported"] == {"create": 2, "update": 0, "unchanged": 0, "refuse": 0}
    assert not ImportChunk.objects.filter(job=job).exists()  # personal data dropped once done


def test_reimporting_the_same_file_changes_nothing(town, django_assert_max_num_queries):
    # given
    lines = [
        f"1360000{i:04d},居民{i},,融城社区,,{i // 3}号,{'是' if i % 3 == 0 else ''}"
        for i in range(30)
    ]
    _run(town.admin, import_job_create(actor=town.admin, data=_csv(*lines), filename="a.csv"))
    before = sorted(User.objects.values_list("pk", "community", "household", "real_name"))
    heads = sorted(Household.objects.values_list("pk", "head"))
    # when
    job = import_job_create(actor=town.admin, data=_csv(*lines), filename="a.csv")
    assert job.counts == {"create": 0, "update": 0, "unchanged": 30, "refuse": 0}
    job = _run(town.admin, job)
    # then
    assert sorted(User.objects.values_list("pk", "community", "household", "real_name")) == before
    assert sorted(Household.objects.values_list("pk", "head")) == heads


def test_batches_are_one_transaction_each_and_a_step_resumes(town, monkeypatch):
    # given: batches of 2 rows
    monkeypatch.setattr(imports_module, "BATCH", 2)
    lines = [f"1360000{i:04d},居民{i},,巴桥社区,,," for i in range(5)]
    job = import_job_create(actor=town.admin, data=_csv(*lines), filename="b.csv")
    # when
    job = import_job_step(actor=town.admin, job_id=job.pk)
    # then
    assert (job.done, job.total, job.status) == (2, 5, ImportJob.Status.RUNNING)
    assert User.objects.filter(mobile__startswith="1360000").count() == 2
    job = _run(town.admin, job)
    assert User.objects.filter(mobile__startswith="1360000").count() == 5


def test_a_failing_batch_writes_nothing(town, monkeypatch):
    # given
    job = import_job_create(
        actor=town.admin, data=_csv("13600000001,甲,,融城社区,,1栋,是"), filename="c.csv"
    )

    def boom(person):
        raise RuntimeError("ledger down")

    from civicpoints.accounts.hooks import residents_imported

    monkeypatch.setattr(residents_imported, "_subscribers", [boom])
    # when
    with pytest.raises(RuntimeError):
        import_job_step(actor=town.admin, job_id=job.pk)
    # then
    assert not User.objects.filter(mobile="13600000001").exists()
    assert not Household.objects.filter(name="1栋").exists()
    assert ImportJob.objects.get(pk=job.pk).done == 0


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"x", "list.txt", "bad_file_type"),
        (b"not a zip", "list.xlsx", "bad_file"),
        ("名字,地址\n张三,x\n".encode(), "list.csv", "missing_columns"),
        (HEADER.encode(), "list.csv", "empty"),
        ("手机号,社区\n13600000001,融城社区\n".encode("utf-16"), "list.csv", "bad_encoding"),
    ],
)
def test_unreadable_files_are_refused_on_the_file_field(town, data, filename, code):
    with pytest.raises(InvalidInput) as exc:
        import_job_create(actor=town.admin, data=data, filename=filename)
    assert (exc.value.field, exc.value.code) == ("file", code)
    assert not ImportJob.objects.exists()


def test_gbk_csv_from_excel_is_read(town):
    data = "手机号,姓名,社区\n13600000009,王五,巴桥社区\n".encode("gbk")
    job = import_job_create(actor=town.admin, data=data, filename="excel.csv")
    assert job.counts["create"] == 1


def test_only_the_towns_admin_sees_or_runs_a_job(town):
    job = import_job_create(
        actor=town.admin, data=_csv("13600000001,甲,,融城社区,,,"), filename="d.csv"
    )
    with pytest.raises(OutOfScope):
        import_job_step(actor=town.staff_a, job_id=job.pk)
    with pytest.raises(NotFound):
        import_job_step(actor=town.outsider_admin, job_id=job.pk)


def test_the_template_has_the_columns_the_reader_expects(town):
    rows = template_rows()
    data = ("\n".join(",".join(r) for r in rows) + "\n").encode()
    job = import_job_create(actor=town.admin, data=data, filename="template.csv")
    assert job.counts["create"] == 2
