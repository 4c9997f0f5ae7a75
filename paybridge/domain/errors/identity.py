"""Errors about who is asking: credentials, tokens, roles, user accounts and identity verification (KYC)."""

from __future__ import annotations

from paybridge.domain.errors.base import (
    AuthenticationFailed,
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
)


class InvalidCredentials(AuthenticationFailed):
    code = "invalid_credentials"
    title = "Invalid credentials"


class InvalidToken(AuthenticationFailed):
    code = "invalid_token"
    title = "Invalid or expired token"


class AdminRequired(PermissionDenied):
    code = "admin_required"
    title = "Administrator role required"


class UserNotFound(NotFound):
    code = "user_not_found"
    title = "User not found"


class EmailAlreadyRegistered(Conflict):
    code = "email_taken"
    title = "Email already registered"


class KycRequired(BusinessRuleViolation):
    code = "kyc_required"
    title = "Identity verification (KYC) is required to send money"


class InvalidKycTransition(Conflict):
    code = "kyc_transition_invalid"
    title = "The KYC status does not allow this"


class KycSelfReview(PermissionDenied):
    code = "kyc_self_review"
    title = "Administrators cannot decide their own KYC"
