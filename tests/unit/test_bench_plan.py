"""What `make bench` runs: --variant cases and the order of compared cases within a round."""

from __future__ import annotations

import pytest

from bench.plan import build_cases, parse_args


def test_a_variant_runs_every_api_transfer_case_against_its_own_server() -> None:
    args = parse_args(
        ["--no-uvicorn", "--variant", "pool4:PAYBRIDGE_DB_POOL_MAX_SIZE=4,PAYBRIDGE_LOG_LEVEL=INFO"]
    )
    variants = [case for case in build_cases(args) if case.group == "variant"]
    assert [case.key for case in variants] == [
        f"transfer/{spread}/c{c}/pool4" for c in (8, 16, 64) for spread in ("spread", "hot")
    ]
    assert {case.options["server"] for case in variants} == {"pool4"}
    assert args.variant == [("pool4", {"PAYBRIDGE_DB_POOL_MAX_SIZE": "4", "PAYBRIDGE_LOG_LEVEL": "INFO"})]


@pytest.mark.parametrize(
    "text", ["pool4", "pool4:", "pool4:DB_POOL=4", "quiet:PAYBRIDGE_X=1", "a b:PAYBRIDGE_X=1"]
)
def test_a_malformed_variant_is_refused(text: str) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--variant", text])


def test_each_compared_case_runs_right_after_its_reference() -> None:
    cases = build_cases(parse_args(["--no-uvicorn", "--variant", "v:PAYBRIDGE_X=1"]))
    keys = [case.key for case in cases]
    compared = [case for case in cases if "derive" in case.options]
    assert compared
    for case in compared:
        reference = case.options["derive"][1]
        position = keys.index(reference)
        between = keys[position + 1 : keys.index(case.key)]
        assert all("derive" in next(c for c in cases if c.key == k).options for k in between), (
            case.key,
            between,
        )
    assert sorted(keys) == sorted(set(keys))


def test_the_hot_wallet_target_is_judged_at_the_least_favourable_concurrency() -> None:
    from bench.report import by_key
    from bench.targets import table

    rps = {8: (440, 800), 16: (380, 700), 64: (450, 500)}  # (API, ceiling B) on the hot wallets
    results = [
        {"key": f"transfer/hot/c{c}/{case}", "round": 1, "rps": value}
        for c, (api, ceiling) in rps.items()
        for case, value in (("api", api), ("ceiling-b", ceiling))
    ]
    rows = table(by_key(results), {"connections": [8, 16, 64], "extra_connections": 16})
    hot = next(row for row in rows if row.startswith("| 10 hot wallets"))
    assert (
        hot == "| 10 hot wallets: API ÷ ceiling B (hot) at every concurrency (lowest: c=16) | 0.543 | yes |"
    )
