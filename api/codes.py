"""ISO 3166-1 alpha-2 region codes and ISO 4217 currency codes, with normalizers."""

from __future__ import annotations

__all__ = ["CURRENCIES", "REGIONS", "normalize_currency", "normalize_region"]

# ISO 3166-1 alpha-2, all officially assigned codes (249).
_REGION_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
    BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR
    CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
    SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR
    TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
REGIONS: frozenset[str] = frozenset(_REGION_CODES.split())

# ISO 4217 List One (current currencies, funds and other X codes), as of
# amendment 180 (2026-01-01: BGN withdrawn).
_CURRENCY_CODES = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL
    BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK
    DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
    HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
    KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
    VND VUV WST XAD XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU
    XTS XUA XXX YER ZAR ZMW ZWG
"""
CURRENCIES: frozenset[str] = frozenset(_CURRENCY_CODES.split())


def _normalize(value: str, length: int, codes: frozenset[str]) -> str | None:
    # ASCII check first: str.upper() can grow non-ASCII text ("ß" -> "SS").
    if len(value) != length or not value.isascii():
        return None
    code = value.upper()
    return code if code in codes else None


def normalize_region(value: str) -> str | None:
    """Return the upper-case ISO 3166-1 alpha-2 code for ``value`` (any case), else None."""
    return _normalize(value, 2, REGIONS)


def normalize_currency(value: str) -> str | None:
    """Return the upper-case ISO 4217 alphabetic code for ``value`` (any case), else None."""
    return _normalize(value, 3, CURRENCIES)
