"""Balanced postings (paybridge.domain.transactions.Posting): the legs must sum to zero, name each wallet
once and move something, without storage."""

from __future__ import annotations

from uuid import uuid4

import pytest

from paybridge.domain.transactions import Leg, Posting, UnbalancedPosting
from tests.support.movement_builders import USD, transaction


def test_a_balanced_posting_is_accepted() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    posting = Posting(transaction(), (Leg(a, -100, USD), Leg(b, 60, USD), Leg(c, 40, USD)))
    assert posting.currency == USD
    assert posting.events == ()


@pytest.mark.parametrize(
    "deltas",
    [
        [],  # no legs at all
        [100],  # one leg cannot balance
        [-100, 99],
        [-100, 100, 1],
        [100, 100],
    ],
)
def test_unbalanced_postings_are_rejected(deltas: list[int]) -> None:
    legs = tuple(Leg(uuid4(), d, USD) for d in deltas)
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), legs)


def test_a_posting_naming_a_wallet_twice_is_rejected() -> None:
    a, b = uuid4(), uuid4()
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), (Leg(a, -100, USD), Leg(a, 100, USD)))
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), (Leg(a, -100, USD), Leg(b, 50, USD), Leg(a, 50, USD)))


def test_a_posting_with_zero_legs_is_rejected() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), (Leg(a, 0, USD), Leg(b, 0, USD)))
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), (Leg(a, -100, USD), Leg(b, 100, USD), Leg(c, 0, USD)))
