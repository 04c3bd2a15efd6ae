"""The claims.json schema the report issue fixes, typed here independently of the library."""

SCHEMA_KEYS = {
    "convlab_version",
    "backend",
    "dtype",
    "seed",
    "created",
    "selection",
    "claims",
    "summary",
}
# "only": the --only value (null: no selection); "matched": each pattern -> the ids it selected
SELECTION_KEYS = {"only", "matched"}
CLAIM_KEYS = {
    "id",
    "title",
    "statement_latex",
    "params",
    "predicted",
    "measured",
    "tolerance",
    "compare",
    "rival",
    "passed",
    "reason",
    "figure",
    "seconds",
    "dtype",
    "needs_float64",
}
# "rival": the claim's rival theory — its one-line statement, its prediction (same shape as
# "predicted", or a mapping over the parts where it differs) and whether the run refuted it
RIVAL_KEYS = {"statement", "predicted", "refuted"}
