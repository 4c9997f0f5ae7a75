"""Rate limiters: per process (`InMemoryRateLimiter`) and shared through Redis (`RedisRateLimiter`)."""
