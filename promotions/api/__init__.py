"""Partner endpoints for campaigns and promotions (read-only, brand-scoped)."""
