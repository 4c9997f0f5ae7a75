"""KYC (know your customer): a user's identity verification. UNVERIFIED or REJECTED users submit (→ PENDING);
an administrator decides (→ VERIFIED or REJECTED, a rejection with a reason). Administrators may decide at
any status (e.g. revoke a verification) but never about themselves; repeating the current decision changes
nothing. Whether sending money needs VERIFIED is the payment policy's `kyc_required_for_outgoing`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from paybridge.domain.errors import FieldError, InvalidKycTransition, KycSelfReview, ValidationFailed
from paybridge.domain.flow_events import KycEvent, UserKycRejected, UserKycSubmitted, UserKycVerified
from paybridge.domain.users import KycStatus, User

DECISIONS = (KycStatus.VERIFIED, KycStatus.REJECTED)


def submit_kyc(user: User, now: datetime) -> tuple[User, KycEvent]:
    if user.kyc_status not in (KycStatus.UNVERIFIED, KycStatus.REJECTED):
        raise InvalidKycTransition(
            f"KYC is {user.kyc_status.value.lower()}; only unverified or rejected users can submit",
            kyc_status=user.kyc_status.value,
        )
    updated = replace(user, kyc_status=KycStatus.PENDING, updated_at=now)
    return updated, UserKycSubmitted(occurred_at=now, user=updated, previous_status=user.kyc_status.value)


def decide_kyc(
    user: User, decision: KycStatus, reason: str | None, reviewer: UUID, now: datetime
) -> tuple[User, KycEvent | None]:
    """The user with the decision applied and its event; no event when the decision is the current status."""
    if decision not in DECISIONS:
        raise ValidationFailed(
            "a KYC decision is VERIFIED or REJECTED", errors=[FieldError("decision", "VERIFIED or REJECTED")]
        )
    if reviewer == user.id:
        raise KycSelfReview("administrators cannot decide their own KYC")
    if decision is KycStatus.REJECTED and not (reason and reason.strip()):
        raise ValidationFailed("a rejection needs a reason", errors=[FieldError("reason", "is required")])
    if user.kyc_status is decision:
        return user, None
    updated = replace(user, kyc_status=decision, updated_at=now)
    event_type = UserKycVerified if decision is KycStatus.VERIFIED else UserKycRejected
    event = event_type(
        occurred_at=now,
        user=updated,
        previous_status=user.kyc_status.value,
        reason=reason,
        decided_by=reviewer,
    )
    return updated, event
