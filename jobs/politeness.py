"""The politeness state in Redis, shared by every worker on every host.

Each operation is one Lua script, so that two workers never both take the
last token or both start a pause. Time is Redis's own clock (``TIME``): the
hosts' clocks may disagree, the server's is one. Keys expire when idle.

The keys are scoped by the internet the workers visit: the real one, or a
sandbox (by its address). A pause of a sandbox's "x" is not a pause of x.
"""

from __future__ import annotations

from redis import Redis

from verifier.politeness import Politeness, Rate, WallRules
from verifier.settings import Settings

PREFIX = "verifier:polite"


def scope_of(settings: Settings) -> str:
    return f"sandbox={settings.sandbox.rstrip('/')}" if settings.sandbox else "internet"


def redis_politeness(settings: Settings, conn: Redis) -> Politeness:
    """The deployment's shared limits, as every worker (and ``verifier verify``) uses them."""
    return Politeness.from_settings(settings, RedisBackend(conn, scope_of(settings)))

# GCRA (a token bucket kept as one "theoretical arrival time"): 0 = taken, else ms to wait.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > tolerance then return tat - tolerance - now end
local new = tat + interval
redis.call('SET', KEYS[1], new, 'PX', math.max(new - now, 1))
return 0
"""

# KEYS: walls (sorted set), pause, level, a counter naming walls.
# ARGV: window, threshold, immediate, base, max, memory (ms). Returns the pause in ms, or 0.
_WALL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local window, threshold = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, now .. '-' .. redis.call('INCR', KEYS[4]))
redis.call('PEXPIRE', KEYS[4], window)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('PEXPIRE', KEYS[1], window)
local level = tonumber(redis.call('GET', KEYS[3]) or 0)
if ARGV[3] == '0' and level == 0 and redis.call('ZCARD', KEYS[1]) < threshold then
  return 0
end
level = level + 1
local pause = math.min(tonumber(ARGV[4]) * 2 ^ (level - 1), tonumber(ARGV[5]))
pause = math.floor(pause)
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], level, 'PX', pause)
redis.call('SET', KEYS[3], level, 'PX', pause + tonumber(ARGV[6]))
return pause
"""


class RedisBackend:
    """``verifier.politeness.Backend`` on one Redis."""

    def __init__(self, conn: Redis, scope: str = "internet") -> None:
        self.conn = conn
        self.prefix = f"{PREFIX}:{scope}"
        self._take = conn.register_script(_TAKE)
        self._wall = conn.register_script(_WALL)

    def take(self, platform: str, rate: Rate) -> float:
        interval_ms = max(int(rate.interval_s * 1000), 1)
        wait_ms = self._take(keys=[f"{self.prefix}:bucket:{platform}"],
                             args=[interval_ms, rate.burst])
        return int(wait_ms) / 1000.0

    def paused_for(self, platform: str) -> float:
        left = self.conn.pttl(f"{self.prefix}:pause:{platform}")
        return max(int(left), 0) / 1000.0  # -2: no pause; -1 cannot happen (always PX)

    def record_wall(self, platform: str, rules: WallRules, immediate: bool) -> float:
        keys = [f"{self.prefix}:walls:{platform}", f"{self.prefix}:pause:{platform}",
                f"{self.prefix}:level:{platform}", f"{self.prefix}:wall-ids:{platform}"]
        args = [int(rules.window_s * 1000), rules.threshold, int(immediate),
                int(rules.pause_s * 1000), int(rules.max_pause_s * 1000),
                int(rules.memory_s * 1000)]
        return int(self._wall(keys=keys, args=args)) / 1000.0
