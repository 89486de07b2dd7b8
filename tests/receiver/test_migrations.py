"""The platform's schema is made by its Alembic migrations only: from an empty file, and
from a database release 0.1.0 made without them. Real SQLite files, no server."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from receiver.cli import main
from receiver.storage import Accept, CaseRead, SchemaError, Store, schema
from tests.receiver import legacy
from tests.support.platform_server import sealed_submission
from wire import schemas, sealing, signing


def objects(db_path: Path) -> dict[tuple[str, str], str]:
    """Every table and index with its SQL, whitespace-normalised; Alembic's own left out."""
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                            "AND name != 'alembic_version'").fetchall()
    finally:
        conn.close()
    return {(kind, name): " ".join(sql.split()) for kind, name, sql in rows}


def revision(db_path: Path) -> str | None:
    conn = sqlite3.connect(db_path)
    try:
        return schema.current_revision(conn)
    finally:
        conn.close()


def test_head_revision_is_the_newest_migration():
    cfg = Config()
    cfg.set_main_option("script_location", str(schema.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == schema.HEAD_REVISION


def test_migrations_from_empty_make_the_schema_release_0_1_0_made(tmp_path):
    fresh = tmp_path / "fresh.db"
    assert schema.migrate(fresh, "0001") == (None, "0001")
    old = legacy.make(tmp_path / "old") / "receiver.db"
    assert objects(fresh) == objects(old)
    assert len(objects(fresh)) == 13  # 10 tables, 3 indexes
    # and from there both reach the same newest schema
    assert schema.migrate(fresh) == ("0001", schema.HEAD_REVISION)
    assert schema.migrate(old) == (None, schema.HEAD_REVISION)
    assert objects(fresh) == objects(old)
    assert len(objects(fresh)) == 32  # 20 tables (0003: followups, evaluations and their
    # call-backs; 0004: terminal_keys; 0005: supplements, withdrawals; 0007: carry_imports;
    # 0008: agents, agent_code_failures), 12 indexes (0004: cases by terminal and receipt;
    # 0005: supplements and withdrawals by case; 0008: agents by pending code, failures by
    # terminal)


def test_a_downgrade_to_0001_gives_back_exactly_its_schema(tmp_path):
    db = tmp_path / "receiver.db"
    schema.migrate(db, "0001")
    at_0001 = objects(db)
    schema.migrate(db)
    assert schema.migrate(db, "0001") == (schema.HEAD_REVISION, "0001")
    assert same_tables(objects(db)) == same_tables(at_0001)


def same_tables(found: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """SQLite quotes the name of a table it renamed (`CREATE TABLE "cases"`): the same table."""
    return {key: re.sub(r'^CREATE TABLE "([a-z_]+)"', r"CREATE TABLE \1", sql)
            for key, sql in found.items()}


def test_a_downgrade_to_base_removes_every_table(tmp_path):
    db = tmp_path / "receiver.db"
    schema.migrate(db)
    assert schema.migrate(db, "base") == (schema.HEAD_REVISION, "base")
    assert objects(db) == {}
    assert schema.migrate(db) == (None, schema.HEAD_REVISION)  # and back up again


def test_a_database_of_release_0_1_0_is_stamped_and_keeps_everything(tmp_path):
    data = legacy.make(tmp_path / "platform")
    assert revision(data / "receiver.db") is None
    store = Store(data)
    try:
        assert revision(data / "receiver.db") == schema.HEAD_REVISION
        terminals = {t["terminal_id"]: t for t in store.list_terminals()}
        assert terminals["T-LEGACY"]["state"] == "enrolled"
        assert terminals["T-LEGACY"]["queue_depth"] == 3
        assert terminals["T-PENDING"]["state"] == "code issued"
        assert store.signing_key("T-LEGACY") == signing.encode_signing_public_key(
            legacy.TERMINAL_KEY.public_key())
        progress = store.case_progress(legacy.QUERY_CODE.lower())
        assert progress is not None and progress.case_no == legacy.CASE_NO
        assert [e.status for e in progress.history] == ["received", "accepted"]
        assert progress.history[1].note == "转县人社局办理"
        body, etag = store.current_content()
        assert schemas.TerminalContent.model_validate_json(body).version == 2
        assert etag.startswith('"2-')
        req = legacy.kept_request()
        kept = store.stored_answer(req.terminal_id, req.submission_id)
        assert kept is not None and kept.status == 201
        assert kept.request_sha256 == req.identity_sha256()
        assert store.upload_status(legacy.ATTACHMENT_DIGEST).complete
        assert store.attachment_bytes(legacy.ATTACHMENT_DIGEST) == legacy.ATTACHMENT
        # the day's case numbers go on from where the old release stopped
        new = req.model_copy(update={"submission_id": "00000000-0000-0000-0000-000000000002",
                                     "receipt_no": "0000000002"})
        [answer] = store.record([Accept(new, b"sealed", new.identity_sha256())], now=legacy.AT)
        assert schemas.SubmissionAccepted.model_validate_json(answer.body).case_no == \
            "XF2026010500002"
    finally:
        store.close()
    again = Store(data)  # opened again: at head, nothing to do, nothing changed
    try:
        assert len(again.list_cases()) == 2
    finally:
        again.close()


def rows(db_path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
    finally:
        conn.close()


def test_0002_scopes_idempotency_keys_per_terminal_and_keeps_every_row(tmp_path):
    data = legacy.make(tmp_path / "platform")
    db = data / "receiver.db"
    assert schema.migrate(db, "0001") == (None, "0001")  # release 0.1.0, stamped
    conn = sqlite3.connect(db)  # a second terminal's kept refusal, as 0001 stored it
    conn.execute("INSERT INTO idempotency VALUES ('00000000-0000-0000-0000-0000000000ff', "
                 "'T-OTHER', 'ab', 422, '{\"error\":\"envelope_invalid\"}', "
                 "'2026-01-05T03:00:00.000000Z')")
    conn.commit()
    conn.close()
    before = {table: rows(db, table) for table in ("idempotency", "cases", "terminals")}
    assert len(before["idempotency"]) == 2 and len(before["cases"]) == 1

    assert schema.migrate(db, "0002") == ("0001", "0002")
    assert rows(db, "idempotency") == before["idempotency"]  # same columns, same rows
    assert rows(db, "cases") == [row + (None, None) for row in before["cases"]]
    assert rows(db, "terminals") == [row + (None,) for row in before["terminals"]]
    assert rows(db, "case_query_failures") == []
    assert schema.migrate(db) == ("0002", schema.HEAD_REVISION)

    store = Store(data)
    try:
        req = legacy.kept_request()
        assert store.stored_answer(legacy.TERMINAL, req.submission_id).status == 201
        # the same key from another terminal is another key: nothing kept for it …
        assert store.stored_answer("T-OTHER", req.submission_id) is None
        theirs = req.model_copy(update={"terminal_id": "T-OTHER", "receipt_no": "0000000009"})
        [answer] = store.record([Accept(theirs, b"sealed", theirs.identity_sha256())],
                                now=legacy.AT)
        # … and it gets its own case, the owner's answer untouched
        assert answer.status == 201
        assert schemas.SubmissionAccepted.model_validate_json(answer.body).case_no == \
            "XF2026010500002"
        assert store.stored_answer(legacy.TERMINAL, req.submission_id).request_sha256 == \
            req.identity_sha256()
        assert len(store.list_cases()) == 2
    finally:
        store.close()

    # 0001 could keep only one of the two: the downgrade is refused, nothing changed
    migrated = {table: rows(db, table) for table in ("idempotency", "cases")}
    with pytest.raises(SchemaError, match="more than one terminal"):
        schema.migrate(db, "0001")
    assert revision(db) == schema.HEAD_REVISION
    assert {table: rows(db, table) for table in ("idempotency", "cases")} == migrated


def test_0004_indexes_cases_by_terminal_and_receipt_and_keeps_every_row(tmp_path):
    data = legacy.make(tmp_path / "platform")
    db = data / "receiver.db"
    assert schema.migrate(db, "0003") == (None, "0003")
    before = {table: rows(db, table) for table in ("case_events", "terminals")}
    [case_before] = rows(db, "cases")
    assert ("index", "ix_cases_terminal_receipt") not in objects(db)

    assert schema.migrate(db, "0004") == ("0003", "0004")
    assert {table: rows(db, table) for table in before} == before
    assert rows(db, "cases") == [case_before + (None,) * 5]  # the receipt's columns, empty
    assert "(terminal_id, receipt_no)" in objects(db)[("index", "ix_cases_terminal_receipt")]
    conn = sqlite3.connect(db)
    try:
        plan = " ".join(str(row) for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT query_code FROM cases WHERE terminal_id = ? "
            "AND receipt_no = ?", (legacy.TERMINAL, "0000000001")))
        [kept] = conn.execute("SELECT receipt_no FROM cases WHERE terminal_id = ?",
                              (legacy.TERMINAL,)).fetchall()
    finally:
        conn.close()
    assert "ix_cases_terminal_receipt" in plan
    store = Store(data)
    try:  # the legacy case is found by its terminal's receipt number
        found = store.find_asked_case(CaseRead(legacy.TERMINAL, None, "0000",
                                               receipt_no=kept[0]))
        assert found is not None and found.case_no == legacy.CASE_NO
    finally:
        store.close()

    assert schema.migrate(db, "0003") == (schema.HEAD_REVISION, "0003")  # the store went to head
    assert ("index", "ix_cases_terminal_receipt") not in objects(db)
    assert {table: rows(db, table) for table in before} == before
    assert rows(db, "cases") == [case_before]


def test_0005_adds_material_and_withdrawals_and_keeps_every_row(tmp_path):
    data = legacy.make(tmp_path / "platform")
    db = data / "receiver.db"
    assert schema.migrate(db, "0004") == (None, "0004")
    before = {table: rows(db, table) for table in ("case_events", "terminals", "followups")}
    [case_before] = rows(db, "cases")
    assert ("table", "supplements") not in objects(db)

    assert schema.migrate(db, "0005") == ("0004", "0005")
    assert {table: rows(db, table) for table in before} == before
    assert rows(db, "cases") == [case_before + (None,) * 2]  # asked for, complete: not yet
    assert rows(db, "supplements") == [] and rows(db, "withdrawals") == []
    assert ("index", "ix_supplements_case") in objects(db)
    store = Store(data)
    try:  # the legacy case reads as before, nothing asked of it
        progress = store.case_progress_of(legacy.CASE_NO)
        assert progress is not None and progress.material_complete_at is None
        assert progress.evaluated == []
    finally:
        store.close()

    assert schema.migrate(db, "0004") == (schema.HEAD_REVISION, "0004")
    assert ("table", "supplements") not in objects(db)
    assert ("table", "withdrawals") not in objects(db)
    assert {table: rows(db, table) for table in before} == before
    assert rows(db, "cases") == [case_before]


def test_the_migrate_command(tmp_path, capsys):
    data = legacy.make(tmp_path / "platform")
    assert main(["migrate", "--data", str(data)]) == 0
    assert f"from revision none to {schema.HEAD_REVISION}" in capsys.readouterr().out
    assert main(["migrate", "--data", str(data)]) == 0
    assert f"is at revision {schema.HEAD_REVISION}" in capsys.readouterr().out
    assert main(["terminal", "list", "--json", "--data", str(data)]) == 0
    assert "T-LEGACY" in capsys.readouterr().out


def test_a_database_that_is_only_partly_the_platforms_is_refused(tmp_path, capsys):
    data = tmp_path / "platform"
    data.mkdir()
    conn = sqlite3.connect(data / "receiver.db")
    conn.execute("CREATE TABLE terminals (id TEXT PRIMARY KEY)")
    conn.execute("INSERT INTO terminals VALUES ('T-1')")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="some of the platform's tables"):
        Store(data)
    assert main(["terminal", "list", "--data", str(data)]) == 1
    assert "some of the platform's tables" in capsys.readouterr().err
    conn = sqlite3.connect(data / "receiver.db")
    assert conn.execute("SELECT id FROM terminals").fetchall() == [("T-1",)]  # untouched
    conn.close()


def test_a_database_of_a_newer_release_is_refused_untouched(tmp_path, capsys):
    data = tmp_path / "platform"
    data.mkdir()
    schema.migrate(data / "receiver.db")
    conn = sqlite3.connect(data / "receiver.db")
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="9999"):
        Store(data)
    assert main(["cases", "--data", str(data)]) == 1
    assert "cannot migrate" in capsys.readouterr().err
    assert revision(data / "receiver.db") == "9999"


def test_two_openers_of_a_new_database_migrate_it_once(tmp_path):
    """Two connections racing on one new file (as a server and an operator's command
    starting together): BEGIN IMMEDIATE makes them take turns; the second finds it done."""
    db = tmp_path / "receiver.db"
    results: list[tuple[str | None, str]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            results.append(schema.migrate(db))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert sorted(results, key=str) == sorted(
        [(None, schema.HEAD_REVISION), (schema.HEAD_REVISION, schema.HEAD_REVISION)], key=str)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    conn.close()


def test_0003_adds_the_evaluation_tables_beside_rows_and_goes_back(tmp_path):
    data = tmp_path / "platform"
    store = Store(data)
    try:
        req = sealed_submission(sealing.encode_public_key(sealing.generate_private_key()
                                                          .public_key()), "T-1")
        [answer] = store.record([Accept(req, b"sealed", req.identity_sha256())])
        case_no = schemas.SubmissionAccepted.model_validate_json(answer.body).case_no
    finally:
        store.close()
    # down to 0002 with a case in place: the case stays, the new tables go
    assert schema.migrate(data / "receiver.db", "0002") == (schema.HEAD_REVISION, "0002")
    conn = sqlite3.connect(data / "receiver.db")
    try:
        assert conn.execute("SELECT case_no FROM cases").fetchall() == [(case_no,)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert not {"followups", "evaluations", "evaluation_callbacks"} & tables
    finally:
        conn.close()
    assert schema.migrate(data / "receiver.db") == ("0002", schema.HEAD_REVISION)
    store = Store(data)
    try:
        assert [c["case_no"] for c in store.list_cases()] == [case_no]
        assert store.evaluation_stats()[0].valid_visits == 1
    finally:
        store.close()


def test_0004_keeps_every_terminal_key_and_case_and_goes_back(tmp_path):
    """On release 0.1.0's database with rows: the enrolled terminal's key becomes its first
    bound key, its cases get no receipt (their arrival is their application date), and a
    downgrade to 0002 gives back exactly 0002's rows."""
    data = legacy.make(tmp_path / "platform")
    db = data / "receiver.db"
    assert schema.migrate(db, "0002") == (None, "0002")
    before = {table: rows(db, table) for table in ("cases", "terminals")}
    assert schema.migrate(db, "0004") == ("0002", "0004")
    assert rows(db, "cases") == [row + (None,) * 5 for row in before["cases"]]  # 0004's
    assert rows(db, "terminals") == before["terminals"]
    conn = sqlite3.connect(db)
    try:
        bound = conn.execute("SELECT terminal_id, public_key, replaced_at FROM terminal_keys"
                             ).fetchall()
    finally:
        conn.close()
    assert bound == [(legacy.TERMINAL, signing.encode_signing_public_key(
        legacy.TERMINAL_KEY.public_key()), None)]
    store = Store(data)
    try:
        [case] = [c for c in store.list_cases() if c["case_no"] == legacy.CASE_NO]
        assert case["receipt_no"] == "0000000001"
    finally:
        store.close()
    assert schema.migrate(db, "0002") == (schema.HEAD_REVISION, "0002")
    assert {table: rows(db, table) for table in ("cases", "terminals")} == before
    assert "terminal_keys" not in {r[0] for r in sqlite3.connect(db).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_0006_adds_the_category_given_empty_and_goes_back(tmp_path):
    """A case kept before 0006 had its category taken as given: category_given is empty."""
    data = legacy.make(tmp_path / "platform")
    db = data / "receiver.db"
    assert schema.migrate(db, "0005") == (None, "0005")
    [case_before] = rows(db, "cases")
    assert schema.migrate(db, "0006") == ("0005", "0006")
    assert rows(db, "cases") == [case_before + (None,)]
    store = Store(data)
    try:
        [case] = store.list_cases()
        assert (case["category"], case["category_given"]) == ("labour", None)
    finally:
        store.close()
    assert schema.migrate(db, "0005") == (schema.HEAD_REVISION, "0005")
    assert rows(db, "cases") == [case_before]


def test_0007_adds_carry_imports_empty_and_goes_back(tmp_path):
    """Carry files imported are remembered from 0007 on; the cases are untouched either way."""
    data = legacy.make(tmp_path / "platform")
    db = data / "receiver.db"
    assert schema.migrate(db, "0006") == (None, "0006")
    [case_before] = rows(db, "cases")
    at_0006 = objects(db)
    assert schema.migrate(db, "0007") == ("0006", "0007")
    assert rows(db, "carry_imports") == [] and rows(db, "cases") == [case_before]
    store = Store(data)
    try:
        store.record_carry_import("c" * 32, "T-1", "d" * 64, 3, "stick")
        assert store.carry_import("c" * 32)["submissions"] == 3
        assert store.carry_import("e" * 32) is None
    finally:
        store.close()
    assert schema.migrate(db, "0006") == (schema.HEAD_REVISION, "0006")
    assert objects(db) == at_0006 and rows(db, "cases") == [case_before]


def test_0008_adds_agents_empty_and_goes_back(tmp_path):
    """Agents and their codes from 0008 on; the cases are untouched either way."""
    data = legacy.make(tmp_path / "platform")
    db = data / "receiver.db"
    assert schema.migrate(db, "0007") == (None, "0007")
    [case_before] = rows(db, "cases")
    at_0007 = objects(db)
    assert schema.migrate(db, "0008") == ("0007", "0008")
    assert rows(db, "agents") == [] and rows(db, "agent_code_failures") == []
    assert rows(db, "cases") == [case_before]
    store = Store(data)
    try:
        code, _, _ = store.add_agent("A-01", "王小明", "和平村代办站")
        assert store.redeem_agent_code("T-1", code).agent_id == "A-01"
    finally:
        store.close()
    assert schema.migrate(db, "0007") == (schema.HEAD_REVISION, "0007")
    assert objects(db) == at_0007 and rows(db, "cases") == [case_before]


def test_0009_adds_the_confirmation_clock_to_cases_and_goes_back(tmp_path):
    """What the terminal knew of its clock is kept per case from 0009 on; an older case
    has none, and the way down gives back 0008's schema with the cases as they were."""
    data = legacy.make(tmp_path / "platform")
    db = data / "receiver.db"
    assert schema.migrate(db, "0008") == (None, "0008")
    [case_before] = rows(db, "cases")
    at_0008 = objects(db)
    assert schema.migrate(db, "0009") == ("0008", "0009")
    [case] = rows(db, "cases")
    assert case == (*case_before, None)  # the new column last, empty
    assert schema.migrate(db, "0008") == ("0009", "0008")
    assert objects(db) == at_0008 and rows(db, "cases") == [case_before]
