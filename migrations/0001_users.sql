-- Users: identities that own wallets. Emails are unique case-insensitively.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    full_name     text        NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('user', 'admin')),
    kyc_status    text        NOT NULL DEFAULT 'UNVERIFIED'
                              CHECK (kyc_status IN ('UNVERIFIED', 'PENDING', 'VERIFIED', 'REJECTED')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));
