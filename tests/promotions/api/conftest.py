"""The partner API's fixtures (two brands, a client holding a key of the first), shared with
tracking's API tests."""

from tests.tracking.api.conftest import brand_a, brand_b, client_a, key_a  # noqa: F401 (fixtures)
