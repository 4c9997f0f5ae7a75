"""NATS adapters: the JetStream publisher of the outbox relay."""
