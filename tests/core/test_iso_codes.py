import pytest

from api.core.iso_codes import CURRENCIES, REGIONS, normalize_currency, normalize_region


def test_region_set_has_all_assigned_codes() -> None:
    assert len(REGIONS) == 249
    assert all(len(c) == 2 and c.isascii() and c.isupper() for c in REGIONS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("US", "US"), ("us", "US"), ("uS", "US"), ("GB", "GB"), ("gb", "GB"), ("SS", "SS")],
)
def test_normalize_region_accepts_codes_in_any_case(value: str, expected: str) -> None:
    assert normalize_region(value) == expected


@pytest.mark.parametrize(
    "value", ["USA", "U1", "", "XX", "UK", "EU", " us", "us ", "U", "ß", "\ufb00", "\uff35\uff33"]
)
def test_normalize_region_rejects_non_codes(value: str) -> None:
    assert normalize_region(value) is None


def test_currency_set_shape() -> None:
    assert all(len(c) == 3 and c.isascii() and c.isupper() for c in CURRENCIES)
    assert {"EUR", "USD", "GBP", "JPY"} <= CURRENCIES


@pytest.mark.parametrize(
    ("value", "expected"), [("EUR", "EUR"), ("eur", "EUR"), ("Usd", "USD"), ("ssp", "SSP")]
)
def test_normalize_currency_accepts_codes_in_any_case(value: str, expected: str) -> None:
    assert normalize_currency(value) == expected


@pytest.mark.parametrize(
    "value", ["ABC", "", "EU", "EURO", " EUR", "US1", "HRK", "BGN", "ßp", "\uff25\uff35\uff32"]
)
def test_normalize_currency_rejects_non_codes(value: str) -> None:
    assert normalize_currency(value) is None
