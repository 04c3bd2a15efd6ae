"""The claims.json schema the report issue fixes, typed here independently of the library."""

SCHEMA_KEYS = {"convlab_version", "backend", "dtype", "seed", "created", "claims", "summary"}
CLAIM_KEYS = {
    "id",
    "title",
    "statement_latex",
    "params",
    "predicted",
    "measured",
    "tolerance",
    "passed",
    "figure",
    "seconds",
    "dtype",
    "needs_float64",
}
