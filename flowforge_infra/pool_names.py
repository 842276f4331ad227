"""The rules a Prefect 3.9 server enforces on work pools (names, limits), checked up front.

Both the stack config (to fail ``pulumi preview`` early) and the work pool provider's ``check``
use this one function, so the rules live in one place.
"""

from __future__ import annotations

__all__ = ["BANNED_CHARACTERS", "MAX_CONCURRENCY_LIMIT", "pool_name_problem"]

# The server keeps a pool's concurrency limit in a 32-bit integer column: a larger one fails
# there with a 503 (seen against the real server on PostgreSQL).
MAX_CONCURRENCY_LIMIT = 2**31 - 1

# prefect/types/names.py: BANNED_CHARACTERS, used by the NonEmptyishName pattern of
# server/schemas/actions.py:WorkPoolCreate.name.
BANNED_CHARACTERS = ("/", "%", "&", ">", "<")


def pool_name_problem(name: object) -> str | None:
    """Return why the server would refuse ``name`` for a new work pool, or None when it is fine."""
    if not isinstance(name, str):
        return "must be a string"
    # prefect/types/names.py:non_emptyish strips quotes and spaces before testing for emptiness.
    if not name.strip("' \""):
        return "must not be empty"
    if name != name.strip():
        return "must not start or end with whitespace"
    banned = [char for char in BANNED_CHARACTERS if char in name]
    if banned:
        return (
            f"must not contain {' '.join(banned)} (Prefect forbids {' '.join(BANNED_CHARACTERS)})"
        )
    # prefect/server/api/workers.py:create_work_pool refuses names starting with "prefect".
    if name.lower().startswith("prefect"):
        return "must not start with 'prefect' (reserved by Prefect for internal pools)"
    # Accepted by the schema but not handled (seen against the real server on PostgreSQL;
    # tests/integration checks these rules hold):
    if "\x00" in name:
        # PostgreSQL text cannot store NUL: the INSERT fails and the server answers 503.
        return "must not contain the NUL character"
    if "\n" in name:
        # Created, but GET/PATCH/DELETE /work_pools/{name} then answer 404: unmanageable.
        return "must not contain a line feed"
    return None
