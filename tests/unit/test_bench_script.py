"""The reading side of the ceiling A drift check (bench/ceiling_script.py): what counts as the same SQL."""

from __future__ import annotations

from bench.ceiling_script import CEILING_A, CEILING_B, fold, parse_script, statement_count

SCRIPT = """-- a comment
\\set s random(1, :n)
\\if :prepared = 0
PREPARE pb_lock(bigint, uuid) AS
SELECT pg_try_advisory_xact_lock($1)
  FROM   idempotency_keys i
 WHERE ( i.principal_id = $2 );
\\set prepared 1
\\endif
SELECT quote_literal(a.id) AS wallet_ids FROM bench_wallets a WHERE a.n = :s \\gset
BEGIN;
EXECUTE pb_lock('12345', :wallet_ids);
EXECUTE pb_lock(NULL, 'it''s; a value');
COMMIT;
"""


def test_prepare_keeps_types_and_folded_text() -> None:
    script = parse_script(SCRIPT)
    assert script.prepared == {
        "pb_lock": "(bigint, uuid) AS SELECT pg_try_advisory_xact_lock($1) FROM idempotency_keys i"
        " WHERE (i.principal_id = $2)"
    }


def test_execute_keeps_variables_and_hides_recorded_constants() -> None:
    script = parse_script(SCRIPT)
    assert script.transfer == ["BEGIN", "EXECUTE pb_lock(?, :wallet_ids)", "EXECUTE pb_lock(?, ?)", "COMMIT"]
    assert script.generator.startswith("SELECT quote_literal(a.id) AS wallet_ids")


def test_fold_ignores_layout_only() -> None:
    assert fold("SELECT  a ,b\n FROM ( t );") == "SELECT a,b FROM (t)"
    assert fold("SELECT a FROM t WHERE x = 1") != fold("SELECT a FROM t WHERE x = 2")


def test_shipped_scripts_parse() -> None:
    ceiling_a = parse_script(CEILING_A.read_text())
    assert len(ceiling_a.transfer) == 1 and ceiling_a.transfer[0].startswith("EXECUTE pb_post(")  # autocommit
    assert ceiling_a.generator and set(ceiling_a.prepared) == {"pb_post"}
    assert statement_count(CEILING_B) == 7  # the naive transfer: BEGIN, 5 statements, COMMIT
