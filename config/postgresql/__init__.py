"""Our PostgreSQL backend (``base``), and what the code that writes SQL for it marks."""

# A statement that starts with this is never prepared: PostgreSQL plans it for its values
# each time (``plan_cache_mode`` does not apply to it). For the batch statements whose best
# plan depends on how many rows they carry (one array per column: ``promotions.bulk``, the
# flag lookups of a batch); a generic plan of the comment import's lookups scanned whole
# tables (834 instead of ~5,000 comments/s). Every other statement a connection runs often
# is prepared and, from its sixth run, runs on its generic plan when that is no worse
# (``plan_cache_mode=auto``): an entry's point lookups cost PostgreSQL 37 µs each instead of
# 90-120 µs re-planned every time.
PLANNED_EACH_TIME = "/* planned for its values */ "
